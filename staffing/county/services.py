from django.db import transaction

from audit.services import audit_record, snapshot
from common.errors import full_clean_or_raise
from staffing.county.models import StaffingPolicy


@transaction.atomic
def staffing_policy_set(*, actor, max_years: int) -> StaffingPolicy:
    """The county's rotation limit (1 to 3 years; the database refuses more)."""
    policy, _created = StaffingPolicy.objects.select_for_update().get_or_create(pk=1)
    before = snapshot(policy)
    policy.max_years = max_years
    full_clean_or_raise(policy)
    policy.save()
    audit_record(actor=actor, action="staffing.policy_set", instance=policy, before=before, after=snapshot(policy))
    return policy
