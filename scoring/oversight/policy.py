"""The effective spot-check policy of the current township: the county's, with the township's
share when it is higher (a township may raise the share, never lower it)."""
from __future__ import annotations

from fractions import Fraction

from scoring.county.selectors import oversight_policy_get


def policy_effective(*, year: int) -> dict:
    from scoring.catalogue.models import ScoringYear
    from scoring.oversight.models import TownshipOversightPolicy

    county = oversight_policy_get(year=year)
    own = TownshipOversightPolicy.objects.filter(year=year).first()
    share = county.min_share
    if own is not None and own.min_share > share:
        share = own.min_share
    # 0.3333 stands for one third exactly (the sampler never takes fewer than ceil(n/3)).
    share_text = "1/3" if Fraction(str(share)) <= Fraction(1, 3) else str(share)
    scoring_year = ScoringYear.objects.filter(year=year).first()
    return {
        "share": share_text, "county_share": str(county.min_share), "township_share": str(own.min_share) if own else "",
        "members_per_village": county.members_per_village,
        "key_largest_additions": county.key_largest_additions, "key_late_entries": county.key_late_entries,
        "key_discrepancy_scorers": county.key_discrepancy_scorers, "key_remote_members": county.key_remote_members,
        "key_near_pass_line": county.key_near_pass_line, "near_pass_margin": county.near_pass_margin,
        "pass_line": scoring_year.pass_line if scoring_year else None,
        "max_unchecked_months": county.max_unchecked_months, "draw_day": county.draw_day,
        "check_due_days": county.check_due_days,
    }
