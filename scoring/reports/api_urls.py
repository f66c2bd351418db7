"""API routes of scoring.reports (included by config.api_tenant): reports/."""
from rest_framework.routers import SimpleRouter

from scoring.reports.api import ReportViewSet

router = SimpleRouter()
router.register("reports", ReportViewSet, basename="report")

urlpatterns = router.urls
