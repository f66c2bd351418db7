"""Writes of the county dues rule (county admin only)."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, snapshot
from common.errors import PermissionDenied, full_clean_or_raise
from scoring.dues.county.models import DuesPolicy

CANNOT_SET_POLICY = _("Only the county sets the dues rule.")
FIELDS = ("bracket1_up_to", "bracket1_rate", "bracket2_up_to", "bracket2_rate", "bracket3_up_to", "bracket3_rate",
          "top_rate", "farmer_monthly", "minimum_monthly")


@transaction.atomic
def dues_policy_update(*, actor, access, **values) -> DuesPolicy:
    if not access.is_county_admin:
        raise PermissionDenied(CANNOT_SET_POLICY)
    policy = DuesPolicy.objects.select_for_update().filter(pk=1).first()
    before = snapshot(policy) if policy else None
    policy = policy or DuesPolicy(pk=1)
    for name in FIELDS:
        if name in values and values[name] is not None:
            setattr(policy, name, values[name])
    full_clean_or_raise(policy)
    policy.save()
    audit_record(actor=actor, action="dues.policy_update", instance=policy, before=before, after=snapshot(policy))
    return policy
