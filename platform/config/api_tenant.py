"""One township's API, served at /t/<code>/api/v1/ in that township's schema."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from accounts.api import MePasswordView, MeTokenView, MeView, PersonTokenView
from accounts.people_api import MemberAccountsView, RoleDetailView, RoleListView
from audit.api import AuditEventViewSet
from tenants.organisation.api import BranchViewSet, MemberViewSet, VillageViewSet

app_name = "api"

router = SimpleRouter()
router.register("villages", VillageViewSet, basename="village")
router.register("branches", BranchViewSet, basename="branch")
router.register("members", MemberViewSet, basename="member")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("me/password/", MePasswordView.as_view(), name="me-password"),
    path("me/token/", MeTokenView.as_view(), name="me-token"),
    path("people/<int:user_id>/token/", PersonTokenView.as_view(), name="person-token"),
    path("people/roles/", RoleListView.as_view(), name="people-roles"),
    path("people/roles/<int:pk>/", RoleDetailView.as_view(), name="people-role"),
    path("people/member-accounts/", MemberAccountsView.as_view(), name="people-member-accounts"),
    *router.urls,
    path("roster/", include("tenants.organisation.roster_api_urls")),
    path("scoring/catalogue/", include("scoring.catalogue.api_urls")),
    path("scoring/periods/", include("scoring.periods.api_urls")),
    path("scoring/", include("scoring.ledger.api_urls")),
    path("signals/", include("scoring.favouritism.api_urls")),
    path("", include("scoring.tips.api_urls")),
    path("", include("scoring.reports.api_urls")),
    path("dues/", include("scoring.dues.api_urls")),
    path("duties/", include("scoring.duties.api_urls")),
    path("oversight/", include("scoring.oversight.api_urls")),
    path("meetings/", include("scoring.meetings.api_urls")),
    path("rewards/", include("scoring.rewards.api_urls")),
    path("staffing/recruitment/", include("staffing.recruitment.api_urls")),
    path("staffing/career/", include("staffing.county.tenant_api_urls")),
    path("staffing/", include("staffing.clerks.api_urls")),
    path("staffing/", include("staffing.appraisal.api_urls")),
]
