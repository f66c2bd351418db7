"""API routes of scoring.tips (included by config.api_tenant): tips/ and sanctions/."""
from rest_framework.routers import SimpleRouter

from scoring.tips.api import SanctionViewSet, TipViewSet

router = SimpleRouter()
router.register("tips", TipViewSet, basename="tip")
router.register("sanctions", SanctionViewSet, basename="sanction")

urlpatterns = router.urls
