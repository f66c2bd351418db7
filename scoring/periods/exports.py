"""Excel sheets of the scoring periods (pages and API alike): the annual rating list, a month's
summary (members and branch totals) and a quarterly notice. Rows come from the scoped selectors,
already filtered; the sheets only lay them out."""
from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from common.tables import EXPORT_CHUNK, Sheet
from scoring.choices import Rating


def ranking_sheet(*, year: int, rows) -> Sheet:
    """Ranking rows (`selectors.ranking_for`, township-wide ranks)."""
    return Sheet(str(year), [_("Township rank"), _("Rank in branch"), _("Full name"), _("Branch"), _("Total points")],
                 ([row.rank, row.branch_rank, row.name, row.branch_name, row.total] for row in rows))


def rating_sheet(*, year: int, ratings) -> Sheet:
    """`ratings`: a queryset of `selectors.annual_rating_rows` (with `effective`), read in chunks."""
    labels = dict(Rating.choices)

    def rows():
        for r in ratings.iterator(chunk_size=EXPORT_CHUNK):
            yield [r.member.name, r.member.branch.name, r.total_points, r.get_appraisal_result_display() or "",
                   str(labels.get(r.effective, r.effective)),
                   str(labels.get(r.rating, r.rating)) if r.effective != r.rating else "",
                   _("Yes") if r.vetoed else "", "; ".join(str(reason) for reason in r.reasons or [])]

    return Sheet(str(year), [_("Full name"), _("Branch"), _("Total points"), _("Appraisal"), _("Rating"),
                             _("Rating before amendment"), _("One-vote veto"), _("Reasons")], rows())


def month_sheets(*, scores, totals) -> list[Sheet]:
    """A month's member rows (`selectors.month_member_scores`) and branch totals."""
    members = (
        [s.branch.name, s.rank_in_branch, s.member.name, s.points, s.year_to_date]
        for s in scores.iterator(chunk_size=EXPORT_CHUNK)
    )
    branches = ([t.branch.name, t.points, t.members] for t in totals)
    return [
        Sheet(_("Members"), [_("Branch"), _("Rank in branch"), _("Full name"), _("Points this month"),
                             _("Points this scoring year")], members),
        Sheet(_("Branch totals"), [_("Branch"), _("Points this month"), _("Members")], branches),
    ]


def notice_sheet(*, publication, branches: list[dict]) -> Sheet:
    """A notice's branch lists (`selectors.publication_branches`), one row per member."""
    rows = ([branch["name"], m["rank"], m["name"], Decimal(m["quarter_points"]), Decimal(m["year_to_date"])]
            for branch in branches for m in branch["members"])
    return Sheet(f"{publication.year}Q{publication.quarter} v{publication.version}",
                 [_("Branch"), _("Rank"), _("Full name"), _("Points this quarter"), _("Points this scoring year")],
                 rows)


def rating_filename(year: int) -> str:
    return f"ratings-{year}.xlsx"


def month_filename(close) -> str:
    return f"month-{close.year}-{close.month:02d}.xlsx"


def notice_filename(publication) -> str:
    return f"notice-{publication.year}-Q{publication.quarter}-v{publication.version}.xlsx"
