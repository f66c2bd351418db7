"""Writes of the scoring year's rhythm: monthly close and seal, quarterly publication with
objections, semi-annual democratic appraisal and the annual rating.

Decisions (see also the docstrings):
- Ranks are standard competition ranks (1, 1, 3): tied members share a rank and the next rank
  skips, as rankings are usually read out at members' meetings.
- A month's points are the ledger rows *booked* in it (a late posting for a sealed month is
  booked in the first open month, so a closed month never changes); the year-to-date total is
  every row of the scoring year booked up to and including the month.
- The monthly rank within the branch orders by the month's points; the publication's rank by the
  year-to-date total.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from accounts.models import Role
from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from scoring.catalogue.models import ScoringYear
from scoring.choices import Category, Rating
from scoring.county.models import LedgerSeal
from scoring.ledger.anchors import anchor_summary, ledger_anchor
from scoring.ledger.models import LedgerEntry, LedgerHead
from scoring.ledger.posting import ledger_head_lock
from scoring.periods import calendar
from scoring.periods.calendar import index_month, month_index
from scoring.periods.models import (
    AnnualRating,
    Appraisal,
    BranchMonthTotal,
    MemberMonthScore,
    MonthClose,
    Objection,
    Publication,
    RatingAmendment,
    RatingOutcome,
    RatingYear,
)
from tenants.organisation.models import Branch, Member
from tenants.organisation.selectors import branch_scope, member_scope

INVALID_MONTH = _("The month must be between 1 and 12.")
MONTH_NOT_ENDED = _("This month has not ended yet in the township's time zone; it cannot be closed.")
MONTH_BEFORE_LAST_CLOSE = _("A later month is already closed: months close in order.")
MONTH_OUT_OF_ORDER = _("Months close in order: close %(month)s first.")
INVALID_QUARTER = _("The quarter must be between 1 and 4.")
QUARTER_NOT_CLOSED = _("The quarter's last month (%(month)s) must be closed before it is published.")
PUBLICATION_NOT_OPEN = _("This notice is not open for objections.")
OBJECTION_WINDOW_CLOSED = _("The objection period of this notice has ended.")
MEMBER_NOT_IN_NOTICE = _("This member is not on the notice.")
OBJECTION_NOT_ALLOWED = _("Only the member concerned or their branch may object.")
REASON_REQUIRED = _("Please give a reason.")
ANSWER_REQUIRED = _("Please write an answer.")
OBJECTION_ALREADY_ANSWERED = _("This objection has already been answered.")
ANSWER_DEADLINE_PASSED = _("The deadline for answering this objection has passed.")
CORRECTION_ONLY_WHEN_UPHELD = _("Correction points can only be given when the objection is upheld.")
CORRECTION_NOT_ZERO = _("Correction points cannot be zero.")
INVALID_HALF = _("The half must be 1 or 2.")
APPRAISAL_ALREADY_RECORDED = _("This member's appraisal for that half-year is already recorded; "
                               "the township office can correct it.")
NEGATIVE_VOTES = _("Vote counts cannot be negative.")
NO_SCORING_YEAR = _("The township has not adopted a catalogue for scoring year %(year)s.")

QUARTER_LABELS = {1: _("Q1"), 2: _("Q2"), 3: _("Q3"), 4: _("Q4")}
QUARTER_NAME = _("%(year)s %(quarter)s")
PUBLICATION_TITLE = _("%(township)s %(year)s %(quarter)s Party members' points notice")

REASON_POINTS = _("Points for the year: %(points)s, which is %(rating)s by the thresholds "
                  "(excellent ≥ %(excellent)s, qualified ≥ %(pass)s, basically qualified ≥ %(basic)s).")
REASON_APPRAISAL = _("Second-half democratic appraisal: %(rating)s.")
REASON_NO_APPRAISAL = _("No second-half democratic appraisal recorded.")
REASON_LOWER = _("The rating is the lower of the points rating and the appraisal result.")
REASON_VETO = _("One-vote veto: %(item)s on %(date)s; the rating is %(rating)s.")

RATING_ORDER = [Rating.EXCELLENT, Rating.QUALIFIED, Rating.BASIC, Rating.UNQUALIFIED]
ZERO = Decimal("0.00")


def _month_label(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def _notify(*, event: str, users, context: dict, actor=None) -> None:
    from notifications.selectors import recipients_in_township
    from notifications.services import notify

    township = connection.tenant
    recipients = recipients_in_township(township=township, users=list(users))
    if recipients:
        notify(event=event, recipients=recipients, context=context, township=township, actor=actor)


def _actor_id(actor) -> int | None:
    return actor.pk if getattr(actor, "is_authenticated", False) else None


# --- monthly close ------------------------------------------------------------------------------
_BOOKED_INDEX = F("booked_year") * 12 + F("booked_month") - 1


def _month_scores(*, year: int, month: int, scoring_year: int) -> list[tuple]:
    """(member_id, branch_id, points, year_to_date, rank_in_branch) in one aggregate + window query.

    Members: every active member, and anyone else with a row booked in the month.
    """
    ledger = LedgerEntry._meta.db_table
    members = Member._meta.db_table
    target = month_index(year, month)
    sql = f"""
        WITH sums AS (
            SELECT member_id,
                   SUM(points) FILTER (WHERE booked_year = %(y)s AND booked_month = %(m)s) AS month_points,
                   SUM(points) FILTER (WHERE scoring_year = %(sy)s
                                       AND booked_year * 12 + booked_month - 1 <= %(idx)s) AS ytd
            FROM {ledger}
            WHERE scoring_year = %(sy)s OR (booked_year = %(y)s AND booked_month = %(m)s)
            GROUP BY member_id
        )
        SELECT m.id, m.branch_id, COALESCE(s.month_points, 0) AS points, COALESCE(s.ytd, 0) AS ytd,
               RANK() OVER (PARTITION BY m.branch_id ORDER BY COALESCE(s.month_points, 0) DESC) AS rank
        FROM {members} m LEFT JOIN sums s ON s.member_id = m.id
        WHERE m.status = %(active)s OR s.month_points IS NOT NULL
        ORDER BY m.branch_id, rank, m.id
    """  # noqa: S608 - table names come from model meta, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, {"y": year, "m": month, "sy": scoring_year, "idx": target,
                             "active": Member.Status.ACTIVE})
        return cursor.fetchall()


def month_close(*, year: int, month: int, actor=None, now: dt.datetime | None = None) -> MonthClose:
    """Close and seal a calendar month of the township's ledger; idempotent.

    A second call returns the existing MonthClose and writes nothing. Months close in order: no
    month before `month` that has ledger rows may still be open after the last close (the first
    close may be any month), and only once the month has ended in the township's time zone.
    Everything happens in one transaction under the ledger head lock: member and branch scores,
    the seal (`LedgerHead.sealed_through`, so later postings for the month are booked in the next
    open month), the county's copy (`LedgerSeal`, public schema), the audit event and the
    notification to the township office.
    """
    if not 1 <= month <= 12:
        raise DomainError(INVALID_MONTH)
    existing = MonthClose.objects.filter(year=year, month=month).first()
    if existing is not None:
        return existing
    township = connection.tenant
    now = now or clock.now()
    today = calendar.local_today(now)
    target = month_index(year, month)
    if month_index(today.year, today.month) <= target:
        raise DomainError(MONTH_NOT_ENDED)
    with transaction.atomic():
        head = ledger_head_lock()
        existing = MonthClose.objects.filter(year=year, month=month).first()  # lost a race: fine
        if existing is not None:
            return existing
        last = MonthClose.objects.order_by("-year", "-month").first()
        if last is not None:
            last_index = month_index(last.year, last.month)
            if target < last_index:
                raise DomainError(MONTH_BEFORE_LAST_CLOSE)
            pending = (
                LedgerEntry.objects.annotate(booked_index=_BOOKED_INDEX)
                .filter(booked_index__gt=last_index, booked_index__lt=target)
                .order_by("booked_index").values_list("booked_index", flat=True).first()
            )
            if pending is not None:
                raise DomainError(MONTH_OUT_OF_ORDER % {"month": _month_label(*index_month(pending))})
        scoring_year = calendar.scoring_year_label(dt.date(year, month, 1))
        close = MonthClose(
            year=year, month=month, scoring_year=scoring_year, head_seq=head.last_seq, head_hash=head.last_hash,
            entry_count=LedgerEntry.objects.filter(booked_year=year, booked_month=month).count(),
            closed_at=now, closed_by_id=_actor_id(actor),
        )
        full_clean_or_raise(close)
        close.save()
        rows = _month_scores(year=year, month=month, scoring_year=scoring_year)
        MemberMonthScore.objects.bulk_create([
            MemberMonthScore(close=close, member_id=member_id, branch_id=branch_id, points=points,
                             year_to_date=ytd, rank_in_branch=rank)
            for member_id, branch_id, points, ytd, rank in rows
        ])
        branch_totals: dict[int, list] = {}
        for _member_id, branch_id, points, _ytd, _rank in rows:
            total = branch_totals.setdefault(branch_id, [ZERO, 0])
            total[0] += points
            total[1] += 1
        BranchMonthTotal.objects.bulk_create([
            BranchMonthTotal(close=close, branch_id=branch_id, points=points, members=count)
            for branch_id, (points, count) in branch_totals.items()
        ])
        LedgerHead.objects.filter(pk=head.pk).update(sealed_through=max(head.sealed_through, target))
        LedgerSeal.objects.create(
            township=township, year=year, month=month, head_seq=close.head_seq, head_hash=close.head_hash,
            entry_count=close.entry_count, sealed_at=now,
        )
        ledger_anchor(reason="close", at=now)
        audit_record(actor=actor, action="month.close", instance=close, after={
            "head_seq": close.head_seq, "head_hash": close.head_hash, "entry_count": close.entry_count,
            "members": len(rows), "branches": len(branch_totals),
        })
        from notifications.selectors import township_office_users

        _notify(event="month.closed", users=township_office_users(township=township), actor=actor,
                context={"township_name": township.name, "month": _month_label(year, month)})
    return close


def months_close_due(*, now: dt.datetime | None = None) -> list[MonthClose]:
    """The beat job: close every ended month after the last close, in order (idempotent).

    With no close yet, only the last ended month is closed (the first close may be any month).
    """
    now = now or clock.now()
    last_ended = month_index(*calendar.last_ended_month(calendar.local_today(now)))
    last = MonthClose.objects.order_by("-year", "-month").first()
    start = last_ended if last is None else month_index(last.year, last.month) + 1
    closed = []
    for index in range(start, last_ended + 1):
        year, month = index_month(index)
        closed.append(month_close(year=year, month=month, actor=None, now=now))
    return closed


# --- quarterly publication ----------------------------------------------------------------------
def _quarter_data(*, year: int, quarter: int, scoring_year: int, corrections: dict[int, Decimal]) -> list[dict]:
    """Per-branch lists of active members: quarter points, year-to-date total and rank (by total).

    Corrections from upheld objections are booked in a later open month; they are added here so
    the new notice version shows the corrected figures.
    """
    first, last = calendar.quarter_months(quarter)
    start, end = month_index(year, first), month_index(year, last)
    ledger = LedgerEntry._meta.db_table
    sql = f"""
        SELECT m.id, m.name, b.id, b.name,
               COALESCE(SUM(l.points) FILTER (WHERE l.booked_year * 12 + l.booked_month - 1
                                              BETWEEN %(start)s AND %(end)s), 0),
               COALESCE(SUM(l.points) FILTER (WHERE l.scoring_year = %(sy)s), 0)
        FROM {Member._meta.db_table} m
        JOIN {Branch._meta.db_table} b ON b.id = m.branch_id
        LEFT JOIN {ledger} l ON l.member_id = m.id AND l.booked_year * 12 + l.booked_month - 1 <= %(end)s
             AND (l.scoring_year = %(sy)s OR l.booked_year * 12 + l.booked_month - 1 >= %(start)s)
        WHERE m.status = %(active)s
        GROUP BY m.id, m.name, b.id, b.name
        ORDER BY b.name, b.id, m.id
    """  # noqa: S608 - table names come from model meta, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "end": end, "sy": scoring_year, "active": Member.Status.ACTIVE})
        rows = cursor.fetchall()
    branches: dict[int, dict] = {}
    for member_id, name, branch_id, branch_name, quarter_points, ytd in rows:
        extra = corrections.get(member_id, ZERO)
        branch = branches.setdefault(branch_id, {"id": branch_id, "name": branch_name, "members": []})
        branch["members"].append({"id": member_id, "name": name, "quarter_points": quarter_points + extra,
                                  "year_to_date": ytd + extra})
    result = []
    for branch in branches.values():
        members = sorted(branch["members"], key=lambda m: (-m["year_to_date"], m["id"]))
        previous, rank = None, 0
        for position, member in enumerate(members, start=1):
            if member["year_to_date"] != previous:
                rank, previous = position, member["year_to_date"]
            member["rank"] = rank
            member["quarter_points"] = str(member["quarter_points"])
            member["year_to_date"] = str(member["year_to_date"])
        branch["members"] = members
        branch["quarter_total"] = str(sum((Decimal(m["quarter_points"]) for m in members), ZERO))
        result.append(branch)
    return result


def _publication_corrections(*, year: int, quarter: int) -> dict[int, Decimal]:
    corrections: dict[int, Decimal] = {}
    upheld = Objection.objects.filter(
        publication__year=year, publication__quarter=quarter, status=Objection.Status.UPHELD,
        correction__isnull=False,
    ).values_list("member_id", "correction__points")
    for member_id, points in upheld:
        corrections[member_id] = corrections.get(member_id, ZERO) + points
    return corrections


def _publication_create(*, actor, year: int, quarter: int, version: int, supersedes: Publication | None,
                        now: dt.datetime) -> Publication:
    township = connection.tenant
    _first, last = calendar.quarter_months(quarter)
    scoring_year = calendar.scoring_year_label(dt.date(year, last, 1))
    head = LedgerHead.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0
    policy = calendar.county_policy()
    if supersedes is None:
        closes_at = calendar.end_of_local_day(calendar.local_today(now) + dt.timedelta(days=policy.objection_days))
    else:  # a corrected version keeps the original objection period
        closes_at = supersedes.objections_close_at
    branches = _quarter_data(year=year, quarter=quarter, scoring_year=scoring_year,
                             corrections=_publication_corrections(year=year, quarter=quarter))
    # The county's copy of the head at publication, printed on the notice (scoring.ledger.anchors).
    anchor = anchor_summary(ledger_anchor(reason="publication", at=now))
    publication = Publication(
        year=year, quarter=quarter, version=version, status=Publication.Status.OPEN, opened_at=now,
        objections_close_at=closes_at, head_seq=head, supersedes=supersedes, created_by_id=_actor_id(actor),
        data={"township": township.name, "year": year, "quarter": quarter, "scoring_year": scoring_year,
              "version": version, "head_seq": head, "branches": branches, "anchor": anchor},
    )
    full_clean_or_raise(publication)
    publication.save()
    audit_record(actor=actor, action="publication.open", instance=publication, after={
        "version": version, "head_seq": head, "supersedes": supersedes.pk if supersedes else None,
        "objections_close_at": closes_at.isoformat(),
    })
    from notifications.selectors import township_users

    local_close = clock.today(at=closes_at)
    _notify(event="publication.opened", users=township_users(township=township), actor=actor, context={
        "township_name": township.name, "month": quarter_name(year, quarter),
        "closes_on": local_close.isoformat(),
    })
    return publication


def quarter_name(year: int, quarter: int) -> str:
    return str(QUARTER_NAME % {"year": year, "quarter": QUARTER_LABELS[quarter]})


def publication_title(*, township_name: str, year: int, quarter: int) -> str:
    """E.g. "XX镇 2026年第三季度党员积分公示"."""
    return str(PUBLICATION_TITLE % {"township": township_name, "year": year, "quarter": QUARTER_LABELS[quarter]})


def publication_open(*, actor, year: int, quarter: int, now: dt.datetime | None = None) -> Publication:
    """Freeze the quarter's notice (version 1) and open it for objections; idempotent.

    If the quarter is already published its current version is returned and nothing is written.
    The quarter's last month must be closed, so the frozen figures are those of sealed months.
    """
    if not 1 <= quarter <= 4:
        raise DomainError(INVALID_QUARTER)
    now = now or clock.now()
    with transaction.atomic():
        ledger_head_lock()  # serialises with month closes and corrections
        current = Publication.objects.filter(year=year, quarter=quarter).order_by("-version").first()
        if current is not None:
            return current
        _first, last = calendar.quarter_months(quarter)
        if not MonthClose.objects.filter(year=year, month=last).exists():
            raise DomainError(QUARTER_NOT_CLOSED % {"month": _month_label(year, last)})
        return _publication_create(actor=actor, year=year, quarter=quarter, version=1, supersedes=None, now=now)


def publication_open_due(*, now: dt.datetime | None = None) -> Publication | None:
    """The beat job: publish the previous quarter once its last month is closed (v1 only)."""
    now = now or clock.now()
    today = calendar.local_today(now)
    current_quarter_start = month_index(today.year, calendar.quarter_months(calendar.quarter_of(today.month))[0])
    year, last_month = index_month(current_quarter_start - 1)
    quarter = calendar.quarter_of(last_month)
    if Publication.objects.filter(year=year, quarter=quarter).exists():
        return None
    if not MonthClose.objects.filter(year=year, month=last_month).exists():
        return None
    return publication_open(actor=None, year=year, quarter=quarter, now=now)


def _publication_member_ids(publication: Publication) -> set[int]:
    return {m["id"] for b in publication.data.get("branches", []) for m in b["members"]}


def objection_raise(*, actor, access: Access, publication_id: int, member_id: int, reason: str,
                    now: dt.datetime | None = None) -> Objection:
    """A member (about themselves) or their branch secretary objects within the notice's period."""
    now = now or clock.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        try:
            publication = Publication.objects.select_for_update().get(pk=publication_id)
        except Publication.DoesNotExist:
            raise NotFound() from None
        try:
            member = member_scope(access).get(pk=member_id)
        except Member.DoesNotExist:
            raise NotFound() from None
        is_self = access.member_id == member.pk
        is_branch = access.has_role(Role.BRANCH_SECRETARY) and branch_scope(access).filter(pk=member.branch_id).exists()
        if not (is_self or is_branch):
            raise PermissionDenied(OBJECTION_NOT_ALLOWED)
        if publication.status != Publication.Status.OPEN:
            raise DomainError(PUBLICATION_NOT_OPEN)
        if now > publication.objections_close_at:
            raise DomainError(OBJECTION_WINDOW_CLOSED)
        if member.pk not in _publication_member_ids(publication):
            raise DomainError(MEMBER_NOT_IN_NOTICE)
        if not reason:
            raise DomainError(REASON_REQUIRED, field_errors={"reason": [REASON_REQUIRED]})
        answer_days = calendar.county_policy().objection_answer_days
        objection = Objection(
            publication=publication, member=member, raised_by_id=access.user_id, reason=reason,
            answer_due_at=calendar.end_of_local_day(calendar.local_today(now) + dt.timedelta(days=answer_days)),
        )
        full_clean_or_raise(objection)
        objection.save()
        audit_record(actor=actor, action="objection.raise", instance=objection,
                     after=snapshot(objection, fields=["publication", "member", "reason", "answer_due_at"]))
        # The office answers objections: tell it at once (it also sees them listed on its pages).
        from notifications.selectors import township_office_users

        _notify(event="objection.raised", users=township_office_users(township=connection.tenant), actor=actor,
                context={"township_name": connection.tenant.name, "member_name": member.name,
                         "month": quarter_name(publication.year, publication.quarter), "reason": reason,
                         "answer_due_on": clock.today(at=objection.answer_due_at).isoformat(),
                         "objection_id": objection.pk})
    return objection


def _correction_post(*, actor, member_id: int, points: Decimal, reason: str, occurred_on: dt.date,
                     scoring_year: int) -> LedgerEntry:
    """A correcting ledger row (the chain helper's `ledger_correct` when present)."""
    try:
        from scoring.ledger.services_chain import ledger_correct
    except ImportError:
        from scoring.ledger.posting import Posting, ledger_post

        return ledger_post(postings=[Posting(kind=LedgerEntry.Kind.CORRECTION, member_id=member_id, points=points,
                                             occurred_on=occurred_on, scoring_year=scoring_year, note=reason)],
                           actor_id=_actor_id(actor))[0]
    return ledger_correct(actor=actor, member_id=member_id, points=points, reason=reason, occurred_on=occurred_on,
                          scoring_year=scoring_year)


def objection_answer(*, actor, access: Access, objection_id: int, uphold: bool, answer: str,
                     correction_points: Decimal | None = None, now: dt.datetime | None = None) -> Objection:
    """The township office answers before the deadline.

    Upheld with correction points: a correction row is posted and a new notice version (v+1)
    supersedes the current one; the old version stays readable with its original figures.
    """
    if not access.runs_scoring:
        raise PermissionDenied()
    now = now or clock.now()
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(ANSWER_REQUIRED, field_errors={"answer": [ANSWER_REQUIRED]})
    if correction_points is not None:
        correction_points = Decimal(correction_points)
        if not uphold:
            raise DomainError(CORRECTION_ONLY_WHEN_UPHELD, field_errors={"correction_points": [
                CORRECTION_ONLY_WHEN_UPHELD]})
        if correction_points == 0:
            raise DomainError(CORRECTION_NOT_ZERO, field_errors={"correction_points": [CORRECTION_NOT_ZERO]})
    with transaction.atomic():
        ledger_head_lock()  # corrections and new versions are made one at a time
        try:
            objection = Objection.objects.select_for_update().select_related("publication", "member").get(
                pk=objection_id)
        except Objection.DoesNotExist:
            raise NotFound() from None
        before = snapshot(objection, fields=["status", "answer", "correction"])
        if objection.status != Objection.Status.OPEN:
            raise Conflict(OBJECTION_ALREADY_ANSWERED)
        if now > objection.answer_due_at:
            raise DomainError(ANSWER_DEADLINE_PASSED)
        publication = objection.publication
        objection.status = Objection.Status.UPHELD if uphold else Objection.Status.DISMISSED
        objection.answer = answer
        objection.answered_by_id = access.user_id
        objection.answered_at = now
        if uphold and correction_points is not None:
            objection.correction = _correction_post(
                actor=actor, member_id=objection.member_id, points=correction_points,
                reason=gettext("Objection #%(id)s upheld: %(answer)s") % {"id": objection.pk, "answer": answer},
                occurred_on=calendar.local_today(now), scoring_year=publication.data["scoring_year"],
            )
        objection.save()
        audit_record(actor=actor, action="objection.answer", instance=objection, before=before,
                     after=snapshot(objection, fields=["status", "answer", "correction"]))
        if objection.correction_id:
            current = (Publication.objects.select_for_update()
                       .filter(year=publication.year, quarter=publication.quarter).order_by("-version").first())
            Publication.objects.filter(pk=current.pk).update(status=Publication.Status.SUPERSEDED)
            audit_record(actor=actor, action="publication.supersede", instance=current,
                         before={"status": current.status}, after={"status": Publication.Status.SUPERSEDED})
            _publication_create(actor=actor, year=publication.year, quarter=publication.quarter,
                                version=current.version + 1, supersedes=current, now=now)
        from accounts.models import User

        _notify(event="objection.answered", users=User.objects.filter(pk=objection.raised_by_id), actor=actor,
                context={"township_name": connection.tenant.name, "member_name": objection.member.name,
                         "answer": answer})
    return objection


# --- democratic appraisal -----------------------------------------------------------------------
VOTE_FIELDS = ("votes_excellent", "votes_qualified", "votes_basic", "votes_unqualified")


def _appraisal_check(*, half: int, result: str, votes: dict) -> None:
    if half not in (1, 2):
        raise DomainError(INVALID_HALF)
    if any(int(votes.get(name) or 0) < 0 for name in VOTE_FIELDS):
        raise DomainError(NEGATIVE_VOTES, field_errors={n: [NEGATIVE_VOTES] for n in VOTE_FIELDS
                                                        if int(votes.get(n) or 0) < 0})


def appraisal_record(*, actor, access: Access, year: int, half: int, member_id: int, result: str,
                     votes_excellent: int = 0, votes_qualified: int = 0, votes_basic: int = 0,
                     votes_unqualified: int = 0) -> Appraisal:
    """Record a member's democratic appraisal once (township office, or their branch secretary)."""
    if not (access.runs_scoring or access.has_role(Role.BRANCH_SECRETARY)):
        raise PermissionDenied()
    votes = {"votes_excellent": votes_excellent, "votes_qualified": votes_qualified, "votes_basic": votes_basic,
             "votes_unqualified": votes_unqualified}
    _appraisal_check(half=half, result=result, votes=votes)
    with transaction.atomic():
        try:
            member = member_scope(access).get(pk=member_id)
        except Member.DoesNotExist:
            raise NotFound() from None
        if Appraisal.objects.select_for_update().filter(year=year, half=half, member=member).exists():
            raise Conflict(APPRAISAL_ALREADY_RECORDED)
        appraisal = Appraisal(year=year, half=half, member=member, result=result,
                              recorded_by_id=access.user_id, **{k: int(v or 0) for k, v in votes.items()})
        full_clean_or_raise(appraisal, validate_constraints=False)
        appraisal.save()
        audit_record(actor=actor, action="appraisal.record", instance=appraisal,
                     after=snapshot(appraisal, fields=["year", "half", "member", "result", *VOTE_FIELDS]))
    return appraisal


def appraisal_correct(*, actor, access: Access, appraisal_id: int, result: str, votes_excellent: int = 0,
                      votes_qualified: int = 0, votes_basic: int = 0, votes_unqualified: int = 0) -> Appraisal:
    """The township office corrects a recorded appraisal (audited with before and after)."""
    if not access.runs_scoring:
        raise PermissionDenied()
    votes = {"votes_excellent": votes_excellent, "votes_qualified": votes_qualified, "votes_basic": votes_basic,
             "votes_unqualified": votes_unqualified}
    with transaction.atomic():
        try:
            appraisal = Appraisal.objects.select_for_update().get(pk=appraisal_id)
        except Appraisal.DoesNotExist:
            raise NotFound() from None
        _appraisal_check(half=appraisal.half, result=result, votes=votes)
        fields = ["result", *VOTE_FIELDS]
        before = snapshot(appraisal, fields=fields)
        appraisal.result = result
        for name, value in votes.items():
            setattr(appraisal, name, int(value or 0))
        full_clean_or_raise(appraisal, validate_constraints=False)
        appraisal.save(update_fields=fields)
        audit_record(actor=actor, action="appraisal.correct", instance=appraisal, before=before,
                     after=snapshot(appraisal, fields=fields))
    return appraisal


# --- annual rating ------------------------------------------------------------------------------
def _points_rating(points: Decimal, year: ScoringYear) -> str:
    if points >= year.excellent_line:
        return Rating.EXCELLENT
    if points >= year.pass_line:
        return Rating.QUALIFIED
    if points >= year.basic_line:
        return Rating.BASIC
    return Rating.UNQUALIFIED


def _lower(*ratings: str) -> str:
    return max(ratings, key=RATING_ORDER.index)


RATING_NOT_READY = _("The %(year)s rating cannot run yet. Missing: %(missing)s.")
RATING_YEAR_NOT_OVER = _("the scoring year has not ended (last day %(date)s)")
RATING_MONTHS_OPEN = _("months not closed: %(months)s")
RATING_APPRAISALS_MISSING = _("no second-half democratic appraisal for %(count)s member(s): %(names)s")
RATING_OVERRIDE_HINT = _("The office may rate without the missing appraisals by giving a reason; "
                         "the year's end and the monthly closes cannot be overridden.")
RATING_FINALISED = _("The %(year)s rating is finalised; it cannot be re-run. Record an amendment instead.")
RATING_NOT_RUN = _("The %(year)s rating has not been run yet.")
RATING_NOT_FINALISED = _("Amendments are for finalised ratings; re-run the rating while it is not finalised.")
RATING_UNDECIDED = _("%(count)s commendation(s) or disposal proposal(s) have no document yet; record the "
                     "documents before finalising.")
RATING_MEMBER_NOT_RATED = _("This member has no finalised rating for %(year)s.")
RATING_AMENDMENT_SAME = _("The member's rating is already %(rating)s.")
OUTCOME_MEASURE_MISMATCH = _("This measure does not fit a %(kind)s.")
DOCUMENT_REQUIRED = _("Please give the document number, the date of decision and who decided.")
INVALID_RATING = _("Unknown rating.")
OVERRIDE_REASON_UNUSED = _("Nothing is missing; no override reason is needed.")

COMMENDATION_MEASURES = {RatingOutcome.Measure.COMMEND}
SANCTION_MEASURES = {RatingOutcome.Measure.CORRECT, RatingOutcome.Measure.PERSUADE, RatingOutcome.Measure.REMOVE}


def rating_missing_text(readiness) -> list[str]:
    parts = []
    if readiness.ends_on is not None and not readiness.year_over:
        parts.append(str(RATING_YEAR_NOT_OVER % {"date": readiness.ends_on.isoformat()}))
    if readiness.open_months:
        parts.append(str(RATING_MONTHS_OPEN % {"months": ", ".join(readiness.open_months)}))
    if readiness.missing_appraisals:
        names = [name for _pk, name in readiness.missing_appraisals[:10]]
        more = "…" if len(readiness.missing_appraisals) > 10 else ""
        parts.append(str(RATING_APPRAISALS_MISSING % {"count": len(readiness.missing_appraisals),
                                                      "names": "、".join(names) + more}))
    return parts


def annual_rating_run(*, actor, scoring_year: int, override_reason: str = "", now: dt.datetime | None = None) -> int:
    """Rate every active member for a scoring year that is over; re-running before finalisation
    replaces the results (audited). Returns the number of members rated.

    Preconditions (else a DomainError listing everything missing, nothing written): the year's last
    day is before today (township time), every month of the year is closed, and every active
    member has a second-half appraisal - unless the office gives `override_reason`, which lifts
    only the appraisal condition and is recorded on the RatingYear with what was missing.
    A finalised year refuses (Conflict).

    Rating = the lower of the points rating (ScoringYear thresholds) and the second-half
    appraisal; a posted veto row of the year (not reversed) sets the rule's veto rating
    (unqualified when the rule names none). Reasons are kept in Chinese, the county's language.
    Excellent members get a commendation to decide, unqualified ones an organisational disposal
    proposal (限期改正 by default); a proposal already decided is kept while it still applies.
    """
    from django.db.models import Sum

    from scoring.periods.selectors import annual_rating_readiness

    now = now or clock.now()
    override_reason = (override_reason or "").strip()
    year = ScoringYear.objects.filter(year=scoring_year).first()
    if year is None:
        raise DomainError(NO_SCORING_YEAR % {"year": scoring_year})
    with transaction.atomic():
        ledger_head_lock()  # one run at a time, and no posting while the totals are read
        state = RatingYear.objects.select_for_update().filter(year=scoring_year).first()
        if state is not None and state.finalised_at is not None:
            raise Conflict(RATING_FINALISED % {"year": scoring_year})
        readiness = annual_rating_readiness(scoring_year=scoring_year, today=calendar.local_today(now))
        missing = rating_missing_text(readiness)
        if readiness.blocking or (readiness.missing_appraisals and not override_reason):
            message = RATING_NOT_READY % {"year": scoring_year, "missing": "; ".join(missing)}
            if not readiness.blocking:
                message = f"{message} {RATING_OVERRIDE_HINT}"
            raise DomainError(message, code="rating_not_ready",
                              field_errors={"override_reason": [RATING_OVERRIDE_HINT]} if not readiness.blocking
                              else None)
        if override_reason and readiness.ready:
            raise DomainError(OVERRIDE_REASON_UNUSED, field_errors={"override_reason": [OVERRIDE_REASON_UNUSED]})
        members = list(Member.objects.filter(status=Member.Status.ACTIVE).order_by("pk").values_list("pk", flat=True))
        totals = dict(LedgerEntry.objects.filter(scoring_year=scoring_year).values("member_id")
                      .annotate(total=Sum("points")).values_list("member_id", "total"))
        appraisals = dict(Appraisal.objects.filter(year=scoring_year, half=2).values_list("member_id", "result"))
        vetoes: dict[int, list] = {}
        veto_rows = (LedgerEntry.objects.filter(scoring_year=scoring_year, rule__category=Category.VETO,
                                                reversed_by__isnull=True)
                     .filter(~Q(kind=LedgerEntry.Kind.REVERSAL))
                     .values_list("member_id", "rule__name", "rule__veto_rating", "occurred_on").order_by("seq"))
        for member_id, name, veto_rating, occurred_on in veto_rows:
            vetoes.setdefault(member_id, []).append((name, veto_rating or Rating.UNQUALIFIED, occurred_on))
        previous = {r.member_id: r for r in AnnualRating.objects.filter(year=scoring_year)}
        labels = dict(Rating.choices)
        results, changed = [], []
        with translation.override(settings.LANGUAGE_CODE):
            for member_id in members:
                total = totals.get(member_id) or ZERO
                points_rating = _points_rating(total, year)
                reasons = [str(REASON_POINTS % {
                    "points": total, "rating": labels[points_rating], "excellent": year.excellent_line,
                    "pass": year.pass_line, "basic": year.basic_line})]
                appraisal = appraisals.get(member_id, "")
                if appraisal:
                    reasons.append(str(REASON_APPRAISAL % {"rating": labels[appraisal]}))
                    reasons.append(str(REASON_LOWER))
                    rating = _lower(points_rating, appraisal)
                else:
                    reasons.append(str(REASON_NO_APPRAISAL))
                    rating = points_rating
                vetoed = member_id in vetoes
                if vetoed:
                    rating = _lower(*(v[1] for v in vetoes[member_id]))
                    for name, veto_rating, occurred_on in vetoes[member_id]:
                        reasons.append(str(REASON_VETO % {"item": name, "date": occurred_on.isoformat(),
                                                          "rating": labels[veto_rating]}))
                results.append(AnnualRating(year=scoring_year, member_id=member_id, total_points=total,
                                            appraisal_result=appraisal, vetoed=vetoed, rating=rating,
                                            reasons=reasons, rated_at=now))
                old = previous.get(member_id)
                if old is not None and old.rating != rating:
                    changed.append({"member": member_id, "before": old.rating, "after": rating})
        AnnualRating.objects.bulk_create(
            results, update_conflicts=True, unique_fields=["year", "member"],
            update_fields=["total_points", "appraisal_result", "vetoed", "rating", "reasons", "rated_at"],
        )
        outcomes = _outcomes_rebuild(scoring_year=scoring_year, results=results)
        before_state = snapshot(state, fields=["rated_at", "members_rated", "override_reason"]) if state else None
        if state is None:
            state = RatingYear(year=scoring_year, rated_at=now)
        state.rated_at, state.rated_by_id, state.members_rated = now, _actor_id(actor), len(results)
        state.override_reason = override_reason
        state.override_missing = missing if override_reason else []
        full_clean_or_raise(state)
        state.save()
        counts = {value: sum(1 for r in results if r.rating == value) for value in Rating.values}
        audit_record(actor=actor, action="annual_rating.run", object_type="periods.annualrating",
                     object_id=scoring_year, object_repr=str(scoring_year),
                     before={"rated": len(previous), **(before_state or {})} if previous else None,
                     after={"rated": len(results), "ratings": counts, "changed": changed, "outcomes": outcomes,
                            "override_reason": override_reason, "missing": state.override_missing})
    return len(results)


def _outcomes_rebuild(*, scoring_year: int, results: list[AnnualRating]) -> dict:
    """Commendations for excellent members, disposal proposals for unqualified ones; an existing
    outcome of the same kind (possibly decided) is kept, any other is removed."""
    wanted = {}
    for result in results:
        if result.rating == Rating.EXCELLENT:
            wanted[result.member_id] = (RatingOutcome.Kind.COMMENDATION, RatingOutcome.Measure.COMMEND)
        elif result.rating == Rating.UNQUALIFIED:
            wanted[result.member_id] = (RatingOutcome.Kind.SANCTION, RatingOutcome.Measure.CORRECT)
    existing = {o.member_id: o for o in RatingOutcome.objects.select_for_update().filter(year=scoring_year)}
    stale = [o.pk for member_id, o in existing.items() if wanted.get(member_id, (None,))[0] != o.kind]
    removed_decided = [existing_outcome.member_id for existing_outcome in existing.values()
                       if existing_outcome.pk in stale and existing_outcome.decided]
    RatingOutcome.objects.filter(pk__in=stale).delete()
    kept = {member_id for member_id, o in existing.items() if o.pk not in stale}
    RatingOutcome.objects.bulk_create([
        RatingOutcome(year=scoring_year, member_id=member_id, kind=kind, measure=measure)
        for member_id, (kind, measure) in sorted(wanted.items()) if member_id not in kept
    ])
    return {"commendations": sum(1 for k, _m in wanted.values() if k == RatingOutcome.Kind.COMMENDATION),
            "sanctions": sum(1 for k, _m in wanted.values() if k == RatingOutcome.Kind.SANCTION),
            "removed": len(stale), "removed_decided": removed_decided}


def _office_only(access: Access) -> None:
    if not access.runs_scoring:
        raise PermissionDenied()


def rating_outcome_decide(*, actor, access: Access, outcome_id: int, measure: str, document_number: str,
                          decided_on: dt.date, decided_by: str) -> RatingOutcome:
    """Record the document of a commendation or disposal (number, date, who decided) before the
    year is finalised; the office may change it until then (audited with before and after)."""
    _office_only(access)
    document_number, decided_by = (document_number or "").strip(), (decided_by or "").strip()
    if not (document_number and decided_on and decided_by):
        raise DomainError(DOCUMENT_REQUIRED, field_errors={
            name: [DOCUMENT_REQUIRED] for name, value in (("document_number", document_number),
                                                          ("decided_on", decided_on), ("decided_by", decided_by))
            if not value})
    with transaction.atomic():
        outcome = RatingOutcome.objects.select_for_update().filter(pk=outcome_id).first()
        if outcome is None:
            raise NotFound()
        state = RatingYear.objects.select_for_update().filter(year=outcome.year).first()
        if state is not None and state.finalised_at is not None:
            raise Conflict(RATING_FINALISED % {"year": outcome.year})
        allowed = COMMENDATION_MEASURES if outcome.kind == RatingOutcome.Kind.COMMENDATION else SANCTION_MEASURES
        if measure not in allowed:
            message = OUTCOME_MEASURE_MISMATCH % {"kind": outcome.get_kind_display()}
            raise DomainError(message, field_errors={"measure": [message]})
        fields = ["measure", "document_number", "decided_on", "decided_by"]
        before = snapshot(outcome, fields=fields)
        outcome.measure, outcome.document_number = measure, document_number
        outcome.decided_on, outcome.decided_by, outcome.recorded_by_id = decided_on, decided_by, access.user_id
        full_clean_or_raise(outcome, validate_constraints=False)
        from common.validators import not_in_future

        try:
            not_in_future(decided_on)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field_errors={"decided_on": exc.messages}) from None
        outcome.save()
        audit_record(actor=actor, action="rating_outcome.decide", instance=outcome, before=before,
                     after=snapshot(outcome, fields=fields))
    return outcome


def annual_rating_finalise(*, actor, access: Access, scoring_year: int, now: dt.datetime | None = None) -> RatingYear:
    """Lock the year's rating after review: every outcome must have its document. From then on the
    database refuses changes to the ratings and outcomes; corrections are amendments."""
    _office_only(access)
    now = now or clock.now()
    with transaction.atomic():
        state = RatingYear.objects.select_for_update().filter(year=scoring_year).first()
        if state is None:
            raise DomainError(RATING_NOT_RUN % {"year": scoring_year})
        if state.finalised_at is not None:
            raise Conflict(RATING_FINALISED % {"year": scoring_year})
        undecided = RatingOutcome.objects.filter(year=scoring_year, document_number="").count()
        if undecided:
            raise DomainError(RATING_UNDECIDED % {"count": undecided})
        rows = AnnualRating.objects.filter(year=scoring_year, finalised_at__isnull=True).update(finalised_at=now)
        RatingYear.objects.filter(pk=state.pk).update(finalised_at=now, finalised_by_id=access.user_id)
        state.refresh_from_db()
        audit_record(actor=actor, action="annual_rating.finalise", instance=state,
                     before={"finalised_at": None}, after={"finalised_at": now.isoformat(), "ratings": rows})
    return state


def annual_rating_amend(*, actor, access: Access, scoring_year: int, member_id: int, rating: str, reason: str,
                        document_number: str, decided_on: dt.date) -> RatingAmendment:
    """Correct a finalised rating by a recorded amendment (member, before, after, reason,
    document, actor); the rating row itself never changes."""
    _office_only(access)
    reason, document_number = (reason or "").strip(), (document_number or "").strip()
    if rating not in Rating.values:
        raise DomainError(INVALID_RATING, field_errors={"rating": [INVALID_RATING]})
    if not reason:
        raise DomainError(REASON_REQUIRED, field_errors={"reason": [REASON_REQUIRED]})
    if not (document_number and decided_on):
        raise DomainError(DOCUMENT_REQUIRED, field_errors={
            name: [DOCUMENT_REQUIRED] for name, value in (("document_number", document_number),
                                                          ("decided_on", decided_on)) if not value})
    with transaction.atomic():
        state = RatingYear.objects.select_for_update().filter(year=scoring_year).first()
        if state is None or state.finalised_at is None:
            raise DomainError(RATING_NOT_FINALISED)
        try:
            member = member_scope(access).get(pk=member_id)
        except (Member.DoesNotExist, ValueError, TypeError):
            raise NotFound() from None
        original = AnnualRating.objects.filter(year=scoring_year, member=member).first()
        if original is None:
            raise DomainError(RATING_MEMBER_NOT_RATED % {"year": scoring_year})
        last = RatingAmendment.objects.filter(year=scoring_year, member=member).order_by("-id").first()
        before = last.after if last else original.rating
        if before == rating:
            message = RATING_AMENDMENT_SAME % {"rating": Rating(rating).label}
            raise DomainError(message, field_errors={"rating": [message]})
        amendment = RatingAmendment(year=scoring_year, member=member, before=before, after=rating, reason=reason,
                                    document_number=document_number, decided_on=decided_on,
                                    actor_id=_actor_id(actor))
        full_clean_or_raise(amendment)
        from common.validators import not_in_future

        try:
            not_in_future(decided_on)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field_errors={"decided_on": exc.messages}) from None
        amendment.save()
        audit_record(actor=actor, action="annual_rating.amend", instance=amendment,
                     before={"rating": before},
                     after=snapshot(amendment, fields=["member", "after", "reason", "document_number", "decided_on"]))
    return amendment
