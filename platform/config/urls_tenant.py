"""URLs of one township; served under /t/<code>/ by the subfolder router."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("tenants.organisation.urls")),
    path("audit/", include("audit.urls")),
    path("notifications/", include("notifications.township_urls")),
    path("people/", include("accounts.township_urls")),
    path("scoring/catalogue/", include("scoring.catalogue.urls")),
    path("scoring/periods/", include("scoring.periods.urls")),
    path("scoring/", include("scoring.ledger.urls")),
    path("oversight/signals/", include("scoring.favouritism.urls")),
    path("tips/", include("scoring.tips.urls")),
    path("meetings/", include("scoring.meetings.urls")),
    path("reports/", include("scoring.reports.urls")),
    path("dues/", include("scoring.dues.urls")),
    path("duties/", include("scoring.duties.urls")),
    path("rewards/", include("scoring.rewards.urls")),
    path("oversight/", include("scoring.oversight.urls")),
    path("staffing/", include("staffing.recruitment.urls")),
    path("staffing/", include("staffing.appraisal.urls")),
    path("staffing/", include("staffing.clerks.urls")),
    path("api/v1/", include("config.api_tenant")),
    path("api/v1/schema/", SpectacularAPIView.as_view(urlconf="config.api_tenant_schema"), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "common.views.permission_denied"
handler404 = "common.views.not_found"
handler500 = "common.views.server_error"
