"""URLs of the public schema: the county, accounts, and the shared API."""
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common import views as common_views

urlpatterns = [
    path("", common_views.home, name="home"),
    path("health/", common_views.health, name="health"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("townships/", include("tenants.townships.urls")),
    path("audit/", include("audit.urls")),
    path("notifications/", include("notifications.urls")),
    path("scoring/", include("scoring.county.urls")),
    path("oversight/signals/", include("scoring.favouritism.county_urls")),
    path("oversight/tips/", include("scoring.tips.county.urls")),
    path("rewards/", include("scoring.rewards.county.urls")),
    path("oversight/", include("scoring.oversight.county_urls")),
    path("staffing/pay/", include("staffing.appraisal.county_urls")),
    path("staffing/", include("staffing.clerks.county_urls")),
    path("api/v1/", include("config.api_public")),
    path("api/v1/schema/", SpectacularAPIView.as_view(urlconf="config.api_public_schema"), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "common.views.not_found"
handler500 = "common.views.server_error"
