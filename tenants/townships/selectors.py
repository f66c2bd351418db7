from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from tenants.townships.models import Township


def township_list(*, include_archived: bool = True) -> QuerySet[Township]:
    """All townships (never the county's public row), ordered by code."""
    qs = Township.objects.exclude(schema_name=get_public_schema_name())
    if not include_archived:
        qs = qs.exclude(status=Township.Status.ARCHIVED)
    return qs.order_by("code")


def township_list_ready() -> QuerySet[Township]:
    """Townships scheduled jobs may reach: provisioned and not archived."""
    return township_list().filter(status=Township.Status.READY)


def township_list_for_user(*, user) -> QuerySet[Township]:
    """Townships a user may open: all for a county admin, else those they hold a role in."""
    from accounts.models import Role, RoleAssignment

    qs = township_list_ready()
    if RoleAssignment.objects.filter(user=user, role=Role.COUNTY_ADMIN).exists():
        return qs
    return qs.filter(role_assignments__user=user).distinct()


def township_get_by_code(*, code: str) -> Township:
    return township_list().get(code=code)


def county_township() -> Township:
    return Township.objects.get(schema_name=get_public_schema_name())
