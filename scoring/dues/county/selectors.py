"""Reads of the county dues rule and the one computation of a monthly amount from a base."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from scoring.dues.county.models import DuesPolicy

CENT = Decimal("0.01")


class Basis(TextChoices):
    INCOME = "income", _("Monthly income (wage or pension)")
    FARMER = "farmer", _("Farmer (fixed amount)")
    MINIMUM = "minimum", _("Hardship or no income (minimum)")


def dues_policy_get() -> DuesPolicy:
    """The county's rule (pk=1); the defaults (unsaved) until the county first saves it."""
    return DuesPolicy.objects.filter(pk=1).first() or DuesPolicy(pk=1)


def monthly_dues(*, policy: DuesPolicy, basis: str, monthly_income: Decimal | None) -> Decimal:
    """Monthly dues in yuan (to the cent, half up), never below the county minimum."""
    if basis == Basis.FARMER:
        amount = policy.farmer_monthly
    elif basis == Basis.MINIMUM:
        amount = policy.minimum_monthly
    else:
        income = monthly_income or Decimal("0")
        if income <= policy.bracket1_up_to:
            rate = policy.bracket1_rate
        elif income <= policy.bracket2_up_to:
            rate = policy.bracket2_rate
        elif income <= policy.bracket3_up_to:
            rate = policy.bracket3_rate
        else:
            rate = policy.top_rate
        amount = income * rate / Decimal("100")
    return max(Decimal(amount), policy.minimum_monthly).quantize(CENT, rounding=ROUND_HALF_UP)
