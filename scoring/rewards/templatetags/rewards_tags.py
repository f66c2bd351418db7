"""`{% member_tier member_id year as tier %}`: the member's star tier of the year (with its reason) for
the points card, or None. A template tag keeps the ledger's card free of an import of the rewards."""
from django import template

register = template.Library()


@register.simple_tag
def member_tier(member_id, year):
    from scoring.rewards.selectors import member_tier as tier_of

    return tier_of(member_id=member_id, year=year)
