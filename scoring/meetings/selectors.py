"""Reads of meetings, always narrowed to what the asker may see, and the required-frequency board.

Who sees a meeting: whoever sees its branch (`branch_scope`: the township-wide roles, clerks and
work teams of its village, its secretary); a member sees the meetings of their own branch only
(to confirm remote attendance), never the attendance of others.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Prefetch, QuerySet

from accounts.access import Access
from common import clock
from scoring.choices import MeetingKind
from scoring.meetings.models import AttendanceRow, Meeting, MeetingEntry, MeetingVersion, RemoteConfirmation
from tenants.organisation.models import Branch, Member
from tenants.organisation.selectors import branch_scope


def records_meetings(access: Access) -> bool:
    """May record and file meetings (for the branches in their scope)."""
    return access.can_enter_points


def meeting_scope(access: Access) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("branch")
    if access.sees_branches:
        return qs.filter(branch__in=branch_scope(access))
    return qs.none()


def member_meetings(access: Access) -> QuerySet[Meeting]:
    """Filed or draft meetings of the asker's own branch (a member confirming remote attendance)."""
    if not access.member_id:
        return Meeting.objects.none()
    branch_id = Member.objects.filter(pk=access.member_id).values_list("branch_id", flat=True).first()
    return Meeting.objects.select_related("branch").filter(branch_id=branch_id)


def current_versions() -> QuerySet[MeetingVersion]:
    """Each meeting's current version (the draft, or the latest filed one)."""
    return MeetingVersion.objects.filter(number=F("meeting__version")).select_related("meeting", "meeting__branch")


def meeting_list(*, access: Access, branch_id: int | None = None, year: int | None = None) -> QuerySet[MeetingVersion]:
    qs = current_versions().filter(meeting__in=meeting_scope(access))
    if branch_id:
        qs = qs.filter(meeting__branch_id=branch_id)
    if year:
        qs = qs.filter(held_on__year=year)
    return qs.order_by("-held_on", "-meeting_id")


def version_get(meeting: Meeting, number: int | None = None) -> MeetingVersion | None:
    return (meeting.versions.filter(number=number or meeting.version)
            .prefetch_related(Prefetch("attendance", queryset=AttendanceRow.objects.select_related("member")
                                       .order_by("member__name", "member_id")), "files").first())


def meeting_links(meeting: Meeting) -> QuerySet[MeetingEntry]:
    return meeting.entry_links.select_related("member", "entry", "reversal").order_by("member__name", "rule_code")


def remote_pending(*, access: Access) -> QuerySet[RemoteConfirmation]:
    return (RemoteConfirmation.objects.filter(meeting__in=meeting_scope(access),
                                              status=RemoteConfirmation.Status.PENDING)
            .select_related("member", "meeting", "meeting__branch"))


def remote_mine(*, access: Access) -> QuerySet[RemoteConfirmation]:
    if not access.member_id:
        return RemoteConfirmation.objects.none()
    return RemoteConfirmation.objects.filter(member_id=access.member_id).select_related("meeting")


# --- required frequencies --------------------------------------------------------------------------
def period_of(day: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The period of `months` months (1, 3, 6 or 12, aligned to the calendar year) containing `day`."""
    first = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first, 1)
    end_month = first + months
    end = dt.date(day.year + 1, 1, 1) if end_month > 12 else dt.date(day.year, end_month, 1)
    return start, end - dt.timedelta(days=1)


def previous_period(day: dt.date, months: int) -> tuple[dt.date, dt.date]:
    start, _end = period_of(day, months)
    return period_of(start - dt.timedelta(days=1), months)


@dataclass(frozen=True)
class KindStatus:
    branch: Branch
    kind: str
    months: int
    state: str  # "done", "due" or "overdue"
    period_start: dt.date
    period_end: dt.date
    last_held_on: dt.date | None

    @property
    def kind_label(self):
        return MeetingKind(self.kind).label


def _held(branch_ids, since: dt.date, until: dt.date) -> dict[tuple[int, str], list[dt.date]]:
    held: dict[tuple[int, str], list[dt.date]] = {}
    rows = (current_versions().filter(meeting__status=Meeting.Status.FILED, meeting__branch_id__in=branch_ids,
                                      held_on__gte=since, held_on__lte=until)
            .values_list("meeting__branch_id", "kind", "held_on"))
    for branch_id, kind, day in rows:
        held.setdefault((branch_id, kind), []).append(day)
    return held


def frequency_board(*, branches, today: dt.date) -> list[KindStatus]:
    """Per branch and required kind: done (held in the current period), overdue (none held in the
    last completed period and none yet in this one) or due (this period's is still to be held).
    Two queries whatever the number of branches."""
    from scoring.county.models import meeting_frequencies

    required = {kind: months for kind, months in meeting_frequencies().items() if months}
    branches = list(branches)
    if not required or not branches:
        return []
    since = min(previous_period(today, months)[0] for months in required.values())
    held = _held([b.pk for b in branches], since, today)
    board = []
    for branch in branches:
        for kind in MeetingKind.values:
            months = required.get(kind)
            if not months:
                continue
            start, end = period_of(today, months)
            prev_start, prev_end = previous_period(today, months)
            days = held.get((branch.pk, kind), [])
            if any(start <= d <= end for d in days):
                state = "done"
            elif any(prev_start <= d <= prev_end for d in days):
                state = "due"
            else:
                state = "overdue"
            board.append(KindStatus(branch=branch, kind=kind, months=months, state=state, period_start=start,
                                    period_end=end, last_held_on=max(days) if days else None))
    return board


@dataclass(frozen=True)
class Overdue:
    branch: Branch
    kind: str
    period_start: dt.date  # the missed period
    period_end: dt.date

    @property
    def kind_label(self):
        return MeetingKind(self.kind).label


def overdue(*, today: dt.date | None = None, township=None, now: dt.datetime | None = None,
            branches=None) -> list[Overdue]:
    """Branches that missed a required kind in its last completed period and have not held one since."""
    if today is None:
        today = clock.today(township or connection.tenant, at=now)
    branches = Branch.objects.select_related("parent").order_by("name") if branches is None else branches
    result = []
    for row in frequency_board(branches=branches, today=today):
        if row.state == "overdue":
            start, end = previous_period(today, row.months)
            result.append(Overdue(branch=row.branch, kind=row.kind, period_start=start, period_end=end))
    return result


# --- archive -----------------------------------------------------------------------------------------
def archive(*, access: Access, branch_id: int, year: int) -> list[MeetingVersion]:
    """A branch's filed meetings of a year (current versions) with attendance and files, by date."""
    return list(current_versions().filter(meeting__in=meeting_scope(access), meeting__branch_id=branch_id,
                                          meeting__status=Meeting.Status.FILED, held_on__year=year)
                .prefetch_related(Prefetch("attendance", queryset=AttendanceRow.objects.select_related("member")
                                           .order_by("member__name", "member_id")), "files")
                .order_by("held_on", "meeting_id"))
