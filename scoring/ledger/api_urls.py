"""API routes of scoring.ledger (included by config.api_tenant under scoring/)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from scoring.ledger.api import EntryViewSet, PointsCardView

router = SimpleRouter()
router.register("entries", EntryViewSet, basename="scoring-entry")

urlpatterns = [
    path("chain/", include("scoring.ledger.chain_api_urls")),
    *router.urls,
    path("members/<int:member_id>/card/", PointsCardView.as_view(), name="scoring-points-card"),
]
