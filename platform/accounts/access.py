"""What a user may do in a township: computed once per request from their role assignments.

Every view and API endpoint asks the `Access` object (set on `request.access` by
`AccessMiddleware`) and the scoping selectors in each app filter querysets with it, so checks
happen on the server for every request, whatever URL or id is typed in.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import (
    BRANCH_SCOPED_ROLES,
    MEMBER_SCOPED_ROLES,
    TOWNSHIP_WIDE_ROLES,
    VILLAGE_SCOPED_ROLES,
    Role,
    RoleAssignment,
)


@dataclass(frozen=True)
class Access:
    user_id: int | None
    township_id: int | None
    roles: frozenset[str] = field(default_factory=frozenset)
    village_ids: frozenset[int] = field(default_factory=frozenset)
    branch_ids: frozenset[int] = field(default_factory=frozenset)
    member_id: int | None = None
    is_county_admin: bool = False

    # --- who is this --------------------------------------------------------------------------
    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def can_enter_township(self) -> bool:
        """May open the township at all (any role there, or county admin)."""
        return self.is_county_admin or bool(self.roles)

    @property
    def is_township_wide(self) -> bool:
        """Sees every village, branch and member of the township."""
        return self.is_county_admin or self.has_role(*TOWNSHIP_WIDE_ROLES)

    @property
    def sees_villages(self) -> bool:
        return self.is_township_wide or self.has_role(*VILLAGE_SCOPED_ROLES)

    @property
    def sees_branches(self) -> bool:
        return self.sees_villages or self.has_role(*BRANCH_SCOPED_ROLES)

    @property
    def sees_member_lists(self) -> bool:
        return self.sees_branches

    @property
    def is_member_only(self) -> bool:
        return self.has_role(*MEMBER_SCOPED_ROLES) and not self.sees_member_lists

    # --- what may they do ---------------------------------------------------------------------
    @property
    def can_manage_organisation(self) -> bool:
        """Create and edit villages, branches and members; import rosters; transfer members."""
        return self.has_role(Role.TOWNSHIP_OFFICE)

    @property
    def can_view_id_numbers(self) -> bool:
        """Resident ID numbers are shown unmasked to the township office only."""
        return self.has_role(Role.TOWNSHIP_OFFICE)

    @property
    def can_view_audit(self) -> bool:
        return self.is_county_admin or self.has_role(Role.TOWNSHIP_OFFICE)

    # --- scoring --------------------------------------------------------------------------------
    @property
    def can_enter_points(self) -> bool:
        """Record entries for members in scope: clerks (their villages) and branch scorers."""
        return self.has_role(Role.CLERK, Role.BRANCH_SECRETARY, Role.TOWNSHIP_OFFICE)

    @property
    def review_levels(self) -> frozenset[str]:
        """Review levels this user decides: branch (secretary), work team, liaison leader."""
        levels = set()
        if self.has_role(Role.BRANCH_SECRETARY):
            levels.add("branch")
        if self.has_role(Role.WORK_TEAM):
            levels.add("work_team")
        if self.has_role(Role.LIAISON_LEADER):
            levels.add("liaison")
        return frozenset(levels)

    @property
    def runs_scoring(self) -> bool:
        """Township office: catalogue, late-entry approval, month close, publication, objections,
        appraisal and annual rating."""
        return self.has_role(Role.TOWNSHIP_OFFICE)

    @property
    def can_manage_templates(self) -> bool:
        """County admin: the county's template catalogue and scoring policy."""
        return self.is_county_admin


NO_ACCESS = Access(user_id=None, township_id=None)


def access_for(user, township) -> Access:
    """Build the Access of `user` in `township` (None or the public row means county level)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    assignments = list(RoleAssignment.objects.filter(user=user).values(
        "township_id", "role", "village_ids", "branch_id", "member_id"
    ))
    is_county_admin = any(a["role"] == Role.COUNTY_ADMIN for a in assignments)
    township_id = None if township is None or township.is_county else township.pk
    mine = [a for a in assignments if township_id is not None and a["township_id"] == township_id]
    member_ids = [a["member_id"] for a in mine if a["role"] == Role.MEMBER and a["member_id"]]
    return Access(
        user_id=user.pk,
        township_id=township_id,
        roles=frozenset(a["role"] for a in mine),
        village_ids=frozenset(v for a in mine if a["role"] in VILLAGE_SCOPED_ROLES for v in a["village_ids"]),
        branch_ids=frozenset(a["branch_id"] for a in mine if a["role"] in BRANCH_SCOPED_ROLES and a["branch_id"]),
        member_id=member_ids[0] if member_ids else None,
        is_county_admin=is_county_admin,
    )
