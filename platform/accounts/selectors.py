"""Reads of the accounts app."""
from __future__ import annotations

from accounts.models import Role, RoleAssignment


def member_ids_with_account(*, township, member_ids) -> set[int]:
    """Which of `member_ids` already hold a member-role account in `township`."""
    return set(RoleAssignment.objects.filter(township=township, role=Role.MEMBER, member_id__in=list(member_ids))
               .values_list("member_id", flat=True))
