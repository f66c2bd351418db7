from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name, tenant_context

from common.errors import PermissionDenied
from tenants.townships import rollups
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


# --- county dashboard ---------------------------------------------------------------------------
HEADLINE_KEYS = ("villages", "branches", "members", "probationary", "migrant", "elderly")


def township_headline_for(*, access, township: Township) -> dict[str, int] | None:
    """One township's headline numbers, read in its own schema; None unless it is ready."""
    from tenants.organisation.selectors import township_headline

    if not access.is_county_admin:
        raise PermissionDenied()
    if not township.is_ready:
        return None
    with tenant_context(township):
        return township_headline(access=access)


# What `township_headline` counts for a county admin (who sees every village, branch and member),
# as one SELECT per schema for `union_all`.
HEADLINE_SQL = """
SELECT (SELECT count(*) FROM {schema}.organisation_village) AS villages,
       (SELECT count(*) FROM {schema}.organisation_branch) AS branches,
       m.members, m.probationary, m.migrant, m.elderly
  FROM (SELECT count(*) AS members,
               count(*) FILTER (WHERE kind = %s) AS probationary,
               count(*) FILTER (WHERE is_migrant) AS migrant,
               count(*) FILTER (WHERE is_elderly) AS elderly
          FROM {schema}.organisation_member WHERE status = %s) m
"""

HEADLINE = rollups.register("townships.headline", HEADLINE_SQL)


def township_rollup(*, access) -> tuple[list[tuple[Township, dict[str, int] | None]], dict[str, int]]:
    """Every township with its headline numbers (ready ones only, else None), and the county totals.

    A stored county rollup (`tenants.townships.rollups`): the township list, one statement for the
    stored rows, and one per 100 townships whose data changed since (recounted in their schemas),
    whatever the number of townships. `access` must be a county admin's.
    """
    from tenants.organisation.models import Member
    from tenants.townships import rollups

    if not access.is_county_admin:
        raise PermissionDenied()
    townships = list(township_list())
    stored = rollups.rollup_rows(name=HEADLINE.name, townships=[t for t in townships if t.is_ready],
                                 params=[Member.Kind.PROBATIONARY.value, Member.Status.ACTIVE.value])
    figures = {township_id: {key: row[key] for key in HEADLINE_KEYS} for township_id, row in stored.items()}
    rows = [(township, figures.get(township.pk) if township.is_ready else None) for township in townships]
    totals = dict.fromkeys(HEADLINE_KEYS, 0)
    for _township, headline in rows:
        for key in HEADLINE_KEYS:
            totals[key] += (headline or {}).get(key) or 0
    return rows, totals


# --- people of one township ---------------------------------------------------------------------
def township_role_list(*, township: Township):
    """Role assignments held in `township`, with their users, ordered by user then role."""
    from accounts.models import RoleAssignment

    return (
        RoleAssignment.objects.filter(township=township)
        .select_related("user")
        .order_by("user__username", "role", "id")
    )


def role_scope_names(*, assignments) -> dict[str, dict[int, str]]:
    """Names of the villages, branches and members the assignments point at, read in bulk.

    Must run in the township's schema. Returns {"villages": {id: name}, "branches": ..., "members": ...};
    an id with no row (deleted since) is simply absent.
    """
    from tenants.organisation.models import Branch, Member, Village

    village_ids = {v for a in assignments for v in a.village_ids}
    branch_ids = {a.branch_id for a in assignments if a.branch_id}
    member_ids = {a.member_id for a in assignments if a.member_id}
    return {
        "villages": dict(Village.objects.filter(pk__in=village_ids).values_list("pk", "name")) if village_ids else {},
        "branches": dict(Branch.objects.filter(pk__in=branch_ids).values_list("pk", "name")) if branch_ids else {},
        "members": dict(Member.objects.filter(pk__in=member_ids).values_list("pk", "name")) if member_ids else {},
    }
