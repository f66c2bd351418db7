"""Township API routes of staffing.recruitment (included by config.api_tenant under staffing/recruitment/)."""
from django.urls import path

from staffing.recruitment import api

urlpatterns = [
    path("rounds/", api.RoundListView.as_view(), name="recruitment-rounds"),
    path("rounds/<int:pk>/applications/", api.ApplicationListView.as_view(), name="recruitment-applications"),
    path("rounds/<int:pk>/publish/", api.PublishView.as_view(), name="recruitment-publish"),
    path("applications/<int:pk>/scores/", api.ScoresView.as_view(), name="recruitment-scores"),
    path("applications/<int:pk>/accept/", api.AcceptView.as_view(), name="recruitment-accept"),
    path("applications/<int:pk>/decline/", api.DeclineView.as_view(), name="recruitment-decline"),
    path("documents/<int:pk>/", api.DocumentView.as_view(), name="recruitment-document"),
]
