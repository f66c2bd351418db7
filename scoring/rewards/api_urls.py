"""API routes of scoring.rewards (included by config.api_tenant under rewards/)."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from scoring.rewards.api import AllocationView, HonourViewSet, ShortlistViewSet, StarListView, TierListView

router = SimpleRouter()
router.register("honours", HonourViewSet, basename="honour")
router.register("shortlists", ShortlistViewSet, basename="shortlist")

urlpatterns = [
    path("tiers/", TierListView.as_view(), name="rewards-tiers"),
    path("stars/", StarListView.as_view(), name="rewards-stars"),
    path("allocation/", AllocationView.as_view(), name="rewards-allocation"),
    *router.urls,
]
