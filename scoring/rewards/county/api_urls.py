"""County API routes of the rewards (included by config.api_public under rewards/)."""
from django.urls import path

from scoring.rewards.county.api import (
    HonourTemplateView,
    RewardPolicyView,
    RollupApproveView,
    RollupListView,
    RuleVersionView,
    SubmittedShortlistView,
)

urlpatterns = [
    path("honour-templates/", HonourTemplateView.as_view(), name="rewards-honour-templates"),
    path("star-rules/", RuleVersionView.as_view(), name="rewards-star-rules"),
    path("shortlists/", SubmittedShortlistView.as_view(), name="rewards-shortlists"),
    path("policies/", RewardPolicyView.as_view(), name="rewards-policies"),
    path("rollups/", RollupListView.as_view(), name="rewards-rollups"),
    path("rollups/<int:pk>/approve/", RollupApproveView.as_view(), name="rewards-rollup-approve"),
]
