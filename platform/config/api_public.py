"""The county-level API, served at /api/v1/ (public schema)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from accounts.api import AuthTokenView, MePasswordView, MeTokenView, MeView
from audit.api import AuditEventViewSet
from tenants.townships.api import TownshipViewSet

app_name = "api"

router = SimpleRouter()
router.register("townships", TownshipViewSet, basename="township")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("auth/token/", AuthTokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
    path("me/password/", MePasswordView.as_view(), name="me-password"),
    path("me/token/", MeTokenView.as_view(), name="me-token"),
    *router.urls,
    path("notifications/", include("notifications.api_urls")),
    path("scoring/", include("scoring.county.api_urls")),
    path("oversight/", include("scoring.tips.county.api_urls")),
    path("staffing/recruitment/", include("staffing.recruitment.county.api_urls")),
    path("rewards/", include("scoring.rewards.county.api_urls")),
    path("staffing/", include("staffing.clerks.county_api_urls")),
    path("staffing/pay/", include("staffing.appraisal.county_api_urls")),
    path("staffing/career/", include("staffing.county.api_urls")),
]
