"""Scoring periods' part of the home work queues: objections, months to close, quarters to publish,
and, for members, the open quarterly notice (with how to object) and their points: total, rank and
the last twelve months (a `Panel`)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from common import clock
from common.workqueue import Action, Panel, Task
from scoring.periods import calendar, dashboard
from scoring.periods.models import MonthClose, Publication
from scoring.periods.selectors import objections_open, quarter_closed_unpublished


def _month_to_close(today: dt.date) -> tuple[int, int] | None:
    """The next month the office should close: the month after the last close, once it has ended
    (with no close yet, the last ended month)."""
    last_ended = calendar.month_index(*calendar.last_ended_month(today))
    last = MonthClose.objects.order_by("-year", "-month").values_list("year", "month").first()
    start = last_ended if last is None else calendar.month_index(*last) + 1
    return calendar.index_month(start) if start <= last_ended else None


def _quarter_to_publish(today: dt.date) -> tuple[int, int] | None:
    current_start = calendar.month_index(today.year, calendar.quarter_months(calendar.quarter_of(today.month))[0])
    year, last_month = calendar.index_month(current_start - 1)
    quarter = calendar.quarter_of(last_month)
    return (year, quarter) if quarter_closed_unpublished(year=year, quarter=quarter) else None


def periods_work(request):
    access = getattr(request, "access", None)
    if access is None or not request.user.is_authenticated:
        return []
    now = clock.now()
    today = clock.today()
    items = []
    if access.runs_scoring:
        waiting = objections_open(access=access).aggregate(n=Count("id"), due=Min("answer_due_at"))
        tone, note = "", ""
        if waiting["due"] is not None:
            tone = "danger" if waiting["due"] < now else ("warn" if waiting["due"] - now < dt.timedelta(days=2) else "")
            note = _("first answer due %(when)s") % {
                "when": formats.date_format(clock.localtime(waiting["due"]), "SHORT_DATETIME_FORMAT")}
        items.append(Task(_("Objections to answer"), waiting["n"], reverse("scoring_periods:publication_list"),
                          tone=tone, note=note, order=5))
        month = _month_to_close(today)
        if month is not None:
            items.append(Task(_("Month ready to close: %(month)s") % {"month": f"{month[0]}-{month[1]:02d}"}, 1,
                              reverse("scoring_periods:home"), order=40))
        quarter = _quarter_to_publish(today)
        if quarter is not None:
            items.append(Task(_("Quarter ready to publish: %(year)s Q%(quarter)s") % {
                "year": quarter[0], "quarter": quarter[1]}, 1, reverse("scoring_periods:home"), order=41))
    if access.member_id:
        notice = (Publication.objects.filter(status=Publication.Status.OPEN).order_by("-year", "-quarter", "-version")
                  .first())
        if notice is not None and notice.objections_close_at and notice.objections_close_at >= now:
            items.append(Task(
                _("The %(year)s Q%(quarter)s notice is open: check your points and object until %(when)s") % {
                    "year": notice.year, "quarter": notice.quarter,
                    "when": formats.date_format(clock.localtime(notice.objections_close_at), "SHORT_DATETIME_FORMAT")},
                1, reverse("scoring_periods:publication_detail", args=[notice.pk]), order=50,
                note=_("Open the notice, check your row, and if it is wrong write your reason under "
                       "“Raise an objection”; the township office answers within %(days)s days.") % {
                    "days": calendar.county_policy().objection_answer_days}))
        items.append(Action(_("My points card"), reverse("scoring_ledger:my_card"), primary=True, order=5))
        items.append(member_points_panel(member_id=access.member_id, today=today))
    return items


def member_points_panel(*, member_id: int, today: dt.date) -> Panel:
    """The member's total and ranks for the scoring year containing today and their points over
    the last twelve months, as a home-page panel (chart and table)."""
    year = calendar.scoring_year_label(today)
    trend = dashboard.member_trend(member_id=member_id, months=dashboard.last_months(today, 12))
    return Panel("periods/_member_points.html", {
        "year": year, "standing": dashboard.member_standing(member_id=member_id, scoring_year=year),
        "trend": trend, "chart": dashboard.member_trend_chart(trend)}, order=10)

