"""Writes to a township's organisation. Each runs in one transaction with its audit event.

Callers must already be in the township's schema (request middleware, task or
tenant_context) and must have checked the actor's rights (views and API views do, through
`request.access`); `_require_manager` re-checks the one rule every write shares.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from audit.services import audit_record, audit_record_many, snapshot
from common.errors import DomainError, PermissionDenied, full_clean_or_raise
from tenants.organisation.models import Branch, Member, MemberTransfer, Village
from tenants.organisation.validators import normalise_id_number

TRANSFER_SAME_BRANCH = _("The member is already in that branch.")
TRANSFER_NEEDS_TARGET = _("Choose a branch in this township, or say where the member goes outside it.")
TRANSFER_INACTIVE = _("Only an active member can be transferred.")
ID_NUMBER_TAKEN = _("A member with this resident ID number already exists in this township.")

MEMBER_FIELDS = [
    "name", "sex", "birth_date", "id_number", "phone", "joined_on", "kind", "probation_ends_on", "category",
    "is_migrant", "migrant_location", "is_special_occupation", "special_occupation", "is_elderly", "status",
    "branch",
]


def _require_manager(access: Access | None) -> None:
    if access is not None and not access.can_manage_organisation:
        raise PermissionDenied()


def _apply(instance, data: dict[str, Any], allowed: list[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for key, value in data.items():
        setattr(instance, key, value)


@transaction.atomic
def village_create(*, actor, access: Access | None = None, name: str, code: str) -> Village:
    _require_manager(access)
    village = Village(name=name.strip(), code=code.strip())
    full_clean_or_raise(village)
    village.save()
    audit_record(actor=actor, action="village.create", instance=village, after=snapshot(village))
    return village


@transaction.atomic
def village_update(*, actor, access: Access | None = None, village: Village, **data) -> Village:
    _require_manager(access)
    village = Village.objects.select_for_update().get(pk=village.pk)
    before = snapshot(village)
    _apply(village, data, ["name", "code"])
    full_clean_or_raise(village)
    village.save()
    audit_record(actor=actor, action="village.update", instance=village, before=before, after=snapshot(village))
    return village


@transaction.atomic
def branch_create(
    *, actor, access: Access | None = None, name: str, kind: str, parent: Branch | None = None,
    village: Village | None = None,
) -> Branch:
    _require_manager(access)
    branch = Branch(name=name.strip(), kind=kind, parent=parent, village=village)
    full_clean_or_raise(branch)
    branch.save()
    audit_record(actor=actor, action="branch.create", instance=branch, after=snapshot(branch))
    return branch


@transaction.atomic
def branch_update(*, actor, access: Access | None = None, branch: Branch, **data) -> Branch:
    _require_manager(access)
    branch = Branch.objects.select_for_update().get(pk=branch.pk)
    before = snapshot(branch)
    _apply(branch, data, ["name", "kind", "parent", "village"])
    full_clean_or_raise(branch)
    branch.save()
    audit_record(actor=actor, action="branch.update", instance=branch, before=before, after=snapshot(branch))
    return branch


def _member_check_unique(member: Member) -> None:
    clash = Member.objects.filter(id_number=member.id_number).exclude(pk=member.pk).exists()
    if clash:
        raise DomainError(ID_NUMBER_TAKEN, field_errors={"id_number": [ID_NUMBER_TAKEN]})


@transaction.atomic
def member_create(*, actor, access: Access | None = None, **data) -> Member:
    _require_manager(access)
    member = Member()
    _apply(member, data, MEMBER_FIELDS)
    member.id_number = normalise_id_number(member.id_number)
    _member_check_unique(member)
    full_clean_or_raise(member, validate_unique=False)
    member.save()
    audit_record(actor=actor, action="member.create", instance=member, after=snapshot(member))
    return member


@transaction.atomic
def member_update(*, actor, access: Access | None = None, member: Member, **data) -> Member:
    """Edit a member's record. Moving to another branch goes through `member_transfer`."""
    _require_manager(access)
    member = Member.objects.select_for_update().get(pk=member.pk)
    before = snapshot(member)
    _apply(member, data, [f for f in MEMBER_FIELDS if f != "branch"])
    member.id_number = normalise_id_number(member.id_number)
    _member_check_unique(member)
    full_clean_or_raise(member, validate_unique=False)
    member.save()
    audit_record(actor=actor, action="member.update", instance=member, before=before, after=snapshot(member))
    return member


@transaction.atomic
def member_transfer(
    *, actor, access: Access | None = None, member: Member, to_branch: Branch | None = None,
    destination: str = "", transferred_on: dt.date, reason: str = "",
) -> MemberTransfer:
    """Move a member to another branch of the township, or out of it (status becomes transferred out)."""
    _require_manager(access)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != Member.Status.ACTIVE:
        raise DomainError(TRANSFER_INACTIVE)
    if to_branch is None and not destination.strip():
        raise DomainError(TRANSFER_NEEDS_TARGET)
    if to_branch is not None and to_branch.pk == member.branch_id:
        raise DomainError(TRANSFER_SAME_BRANCH, field_errors={"to_branch": [TRANSFER_SAME_BRANCH]})
    before = snapshot(member)
    transfer = MemberTransfer(
        member=member, from_branch_id=member.branch_id, to_branch=to_branch, destination=destination.strip(),
        transferred_on=transferred_on, reason=reason.strip(), recorded_by_id=getattr(actor, "pk", None),
    )
    full_clean_or_raise(transfer)
    transfer.save()
    if to_branch is not None:
        member.branch = to_branch
    else:
        member.status = Member.Status.TRANSFERRED_OUT
    member.save(update_fields=["branch", "status", "updated_at"])
    audit_record(actor=actor, action="member.transfer", instance=member, before=before, after=snapshot(member))
    return transfer


ELDERLY_AGE = 70


@transaction.atomic
def members_refresh_elderly(*, today: dt.date) -> int:
    """Flag active members who have reached ELDERLY_AGE. Idempotent; returns how many changed."""
    try:
        cutoff = today.replace(year=today.year - ELDERLY_AGE)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - ELDERLY_AGE, day=28)
    members = list(
        Member.objects.select_for_update()
        .filter(status=Member.Status.ACTIVE, is_elderly=False, birth_date__lte=cutoff)
        .only("id", "name", "is_elderly")
    )
    if not members:
        return 0
    audit_record_many(actor=None, action="member.flag_elderly",
                      changes=[(member, {"is_elderly": False}, {"is_elderly": True}) for member in members])
    Member.objects.filter(pk__in=[m.pk for m in members]).update(is_elderly=True)
    return len(members)
