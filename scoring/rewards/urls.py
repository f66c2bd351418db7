"""Rewards pages of a township, under /t/<code>/rewards/."""
from django.urls import path

from scoring.rewards import views

app_name = "rewards"
urlpatterns = [
    path("", views.home, name="home"),
    path("stars/", views.star_results_view, name="stars"),
    path("stars/evaluate/", views.star_evaluate_view, name="star-evaluate"),
    path("honours/", views.honour_list, name="honours"),
    path("honours/new/", views.honour_create_view, name="honour-create"),
    path("honours/<int:pk>/", views.honour_detail, name="honour"),
    path("honours/<int:pk>/certificates/<int:certificate_pk>/", views.honour_certificate, name="honour-certificate"),
    path("honours/<int:pk>/<slug:action>/", views.honour_action, name="honour-action"),
    path("shortlists/", views.shortlist_list, name="shortlists"),
    path("shortlists/generate/", views.shortlist_generate_view, name="shortlist-generate"),
    path("shortlists/<int:pk>/", views.shortlist_detail, name="shortlist"),
    path("shortlists/<int:pk>/print/", views.shortlist_print, name="shortlist-print"),
    path("shortlists/<int:pk>/export/", views.shortlist_export, name="shortlist-export"),
    path("shortlists/<int:pk>/edit/", views.shortlist_edit_view, name="shortlist-edit"),
    path("shortlists/<int:pk>/submit/", views.shortlist_submit_view, name="shortlist-submit"),
]
