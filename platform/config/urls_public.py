"""URLs of the public schema: the county, accounts, and the shared API."""
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import language_set
from common import views as common_views

urlpatterns = [
    path("", common_views.home, name="home"),
    path("health/", common_views.health, name="health"),
    # Browsers ask for /favicon.ico on pages that name no icon (the API's JSON, say).
    path("favicon.ico", RedirectView.as_view(url=static("common/icon.svg"), permanent=True)),
    path("i18n/setlang/", language_set, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("townships/", include("tenants.townships.urls")),
    path("audit/", include("audit.urls")),
    path("notifications/", include("notifications.urls")),
    path("scoring/", include("scoring.county.urls")),
    path("oversight/signals/", include("scoring.favouritism.county_urls")),
    path("oversight/tips/", include("scoring.tips.county.urls")),
    path("dues/policy/", include("scoring.dues.county.urls")),
    path("rewards/", include("scoring.rewards.county.urls")),
    path("oversight/", include("scoring.oversight.county_urls")),
    path("staffing/pay/", include("staffing.appraisal.county_urls")),
    path("staffing/career/", include("staffing.county.urls")),
    path("staffing/", include("staffing.recruitment.county.urls")),
    path("staffing/", include("staffing.clerks.county_urls")),
    path("api/v1/", include("config.api_public")),
    path("api/v1/schema/", SpectacularAPIView.as_view(urlconf="config.api_public_schema"), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "common.views.permission_denied"
handler404 = "common.views.not_found"
handler500 = "common.views.server_error"
