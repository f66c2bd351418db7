"""County API routes of county-wide recruitment (included by config.api_public under staffing/recruitment/)."""
from django.urls import path

from staffing.recruitment.county import api

urlpatterns = [
    path("rounds/", api.CountyRoundListView.as_view(), name="county-recruitment-rounds"),
    path("rounds/<int:pk>/applications/", api.CountyApplicationListView.as_view(),
         name="county-recruitment-applications"),
    path("rounds/<int:pk>/publish/", api.CountyPublishView.as_view(), name="county-recruitment-publish"),
    path("applications/<int:pk>/scores/", api.CountyScoresView.as_view(), name="county-recruitment-scores"),
    path("applications/<int:pk>/accept/", api.CountyAcceptView.as_view(), name="county-recruitment-accept"),
    path("applications/<int:pk>/decline/", api.CountyDeclineView.as_view(), name="county-recruitment-decline"),
    path("documents/<int:pk>/", api.CountyDocumentView.as_view(), name="county-recruitment-document"),
]
