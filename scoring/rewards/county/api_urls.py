"""County API routes of the rewards (included by config.api_public under rewards/)."""
from django.urls import path

from scoring.rewards.county.api import HonourTemplateView, RuleVersionView, SubmittedShortlistView

urlpatterns = [
    path("honour-templates/", HonourTemplateView.as_view(), name="rewards-honour-templates"),
    path("star-rules/", RuleVersionView.as_view(), name="rewards-star-rules"),
    path("shortlists/", SubmittedShortlistView.as_view(), name="rewards-shortlists"),
]
