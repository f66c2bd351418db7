"""County tip API (included by config.api_public at /api/v1/oversight/)."""
from rest_framework.routers import SimpleRouter

from scoring.tips.county.api import CountyTipViewSet

router = SimpleRouter()
router.register("tips", CountyTipViewSet, basename="county-tip")

urlpatterns = router.urls
