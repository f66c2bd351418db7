"""Recruitment pages, included under /t/<code>/staffing/: the office's pages under recruitment/,
the public application, ranking and offer pages under apply/ (no account)."""
from django.urls import path

from staffing.recruitment import views

app_name = "recruitment"
urlpatterns = [
    path("recruitment/", views.round_list, name="rounds"),
    path("recruitment/<int:pk>/", views.round_detail, name="round"),
    path("recruitment/<int:pk>/publish/", views.ranking_publish_view, name="publish"),
    path("recruitment/applications/<int:pk>/scores/", views.scores_view, name="scores"),
    path("recruitment/applications/<int:pk>/accept/", views.accept_view, name="accept"),
    path("recruitment/applications/<int:pk>/decline/", views.decline_view, name="decline"),
    path("recruitment/documents/<int:pk>/", views.document_view, name="document"),
    path("apply/<int:pk>/", views.apply, name="apply"),
    path("apply/<int:pk>/ranking/", views.ranking_public, name="ranking"),
    path("apply/offer/<str:token>/", views.offer, name="offer"),
]
