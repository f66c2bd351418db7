"""Writes of the favouritism signals: computing a closed month's flags, the township's thresholds,
and the human decision on each flag (dismissed with a note, or a check opened).

Computing (`signals_compute`): every count comes from one SQL aggregate over the month's posted
entries (entries whose ledger row is booked in the closed month), grouped by scorer
(`entered_by_id`), by branch, and by scorer/branch and member (for concentration), with the
entry ids of each condition as arrays; Python only compares the aggregates, never the rows. See `compute.py` for the
arithmetic and `README` section "Favouritism signals" for the definitions.

Nothing here changes points or sanctions anyone: a flag waits for a person's decision.
"""
from __future__ import annotations

import calendar as std_calendar
import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from accounts.models import Role
from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from scoring.favouritism import compute
from scoring.favouritism.models import Signal, SignalRun, SignalSettings
from scoring.ledger.models import Entry, LedgerEntry, Review
from scoring.periods.calendar import quarter_of
from scoring.periods.models import MonthClose, Publication
from tenants.organisation.models import Branch, Member

NOTE_REQUIRED = _("Please write why the flag is dismissed.")
ALREADY_DECIDED = _("This flag has already been decided.")
MONTH_NOT_CLOSED = _("Signals are computed only for closed months.")
NO_VILLAGE = _("This flag has no village to check.")

DECIDING_ROLES = (Role.TOWNSHIP_OFFICE, Role.SUPERVISION_OFFICE, Role.DISCIPLINE_COMMISSION)
MAX_ENTRY_IDS = 500


def can_decide(access: Access) -> bool:
    return access.has_role(*DECIDING_ROLES)


def settings_get() -> SignalSettings:
    return SignalSettings.objects.get_or_create(pk=1)[0]


SETTINGS_FIELDS = ["min_entries", "late_share", "no_evidence_share", "rush_days", "rush_share", "top3_share",
                   "concentration_min_members", "divergence_share", "check_gap", "peer_ratio"]


@transaction.atomic
def settings_update(*, actor, access: Access, **values) -> SignalSettings:
    if not access.runs_scoring:
        raise PermissionDenied()
    settings = SignalSettings.objects.select_for_update().get(pk=settings_get().pk)
    before = snapshot(settings, fields=SETTINGS_FIELDS)
    for name, value in values.items():
        if name in SETTINGS_FIELDS:
            setattr(settings, name, value)
    settings.updated_by_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    settings.updated_at = clock.now()
    full_clean_or_raise(settings)
    settings.save()
    audit_record(actor=actor, action="signals.settings_updated", instance=settings, before=before,
                 after=snapshot(settings, fields=SETTINGS_FIELDS))
    return settings


# --- computing ------------------------------------------------------------------------------------
def rush_windows(*, year: int, month: int, close: MonthClose, days: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The periods in which an addition counts as bunched: the last `days` local days of the
    month up to its close, and the `days` days before the quarter's notice was published
    (periods calendar, township zone)."""
    zone = connection.tenant.time_zone_info()
    last_day = dt.date(year, month, std_calendar.monthrange(year, month)[1])
    start = clock.start_of_day(last_day - dt.timedelta(days=days - 1), zone=zone)
    windows = [(start, max(close.closed_at, clock.end_of_day(last_day, zone=zone)))]
    publication = (Publication.objects.filter(year=year, quarter=quarter_of(month))
                   .order_by("version").values_list("opened_at", flat=True).first())
    if publication is not None:
        windows.append((publication - dt.timedelta(days=days), publication))
    return windows


# One pass over the month's posted entries (those whose ledger row is booked in the month), with
# every count per scorer, per branch, and per scorer/branch and member (for concentration), in
# one GROUP BY GROUPING SETS; the entry ids of each condition come back as arrays, so a flag's
# entries need no further query.
_MONTH_SQL = """
    WITH e AS (
        SELECT en.id, en.entered_by_id AS scorer, m.branch_id AS branch, b.village_id AS village,
               en.member_id, en.points, en.is_late AS late, en.points > 0 AS addition,
               en.points > 0 AND COALESCE(cardinality(l.evidence_hashes), 0) = 0 AS no_evidence,
               en.points > 0 AND (en.entered_at BETWEEN %(r1s)s AND %(r1e)s
                                  OR en.entered_at BETWEEN %(r2s)s AND %(r2e)s) AS rush,
               (en.final_points IS NOT NULL AND en.final_points <> en.points)
               OR EXISTS (SELECT 1 FROM {review} r WHERE r.entry_id = en.id AND r.score IS NOT NULL
                          AND r.score <> en.points) AS divergent
        FROM {ledger} l
        JOIN {entry} en ON en.id = l.entry_id
        JOIN {member} m ON m.id = en.member_id
        JOIN {branch} b ON b.id = m.branch_id
        WHERE l.booked_year = %(y)s AND l.booked_month = %(m)s AND l.kind IN ('adjustment', 'correction')
    )
    SELECT GROUPING(scorer) = 0 AND GROUPING(member_id) = 1 AND GROUPING(village) = 1 AS by_scorer,
           GROUPING(branch) = 0 AND GROUPING(member_id) = 1 AS by_branch,
           GROUPING(member_id) = 0 AS by_member,
           GROUPING(village) = 0 AS by_village,
           scorer, branch, member_id, village,
           COUNT(*) AS total,
           COUNT(*) FILTER (WHERE late) AS late,
           COUNT(*) FILTER (WHERE addition) AS additions,
           COALESCE(SUM(points) FILTER (WHERE addition), 0) AS added_points,
           COUNT(*) FILTER (WHERE no_evidence) AS no_evidence,
           COUNT(*) FILTER (WHERE rush) AS rush,
           COUNT(*) FILTER (WHERE divergent) AS divergent,
           CASE WHEN GROUPING(member_id) = 1 AND GROUPING(village) = 1
                THEN ARRAY_AGG(id) FILTER (WHERE late) END AS late_ids,
           CASE WHEN GROUPING(member_id) = 1 AND GROUPING(village) = 1
                THEN ARRAY_AGG(id) FILTER (WHERE no_evidence) END AS no_evidence_ids,
           CASE WHEN GROUPING(member_id) = 1 AND GROUPING(village) = 1
                THEN ARRAY_AGG(id) FILTER (WHERE rush) END AS rush_ids,
           CASE WHEN GROUPING(member_id) = 1 AND GROUPING(village) = 1
                THEN ARRAY_AGG(id) FILTER (WHERE divergent) END AS divergence_ids,
           CASE WHEN GROUPING(village) = 1 THEN ARRAY_AGG(id) FILTER (WHERE addition) END AS addition_ids
    FROM e
    GROUP BY GROUPING SETS ((scorer), (branch), (scorer, member_id), (branch, member_id), (scorer, village))
"""

_IDS = {"late": "late_ids", "no_evidence": "no_evidence_ids", "rush": "rush_ids", "divergence": "divergence_ids",
        "peer": "addition_ids"}


def _month_rows(*, year: int, month: int, windows) -> list[dict]:
    (r1s, r1e), (r2s, r2e) = windows[0], windows[1] if len(windows) > 1 else windows[0]
    sql = _MONTH_SQL.format(review=Review._meta.db_table, ledger=LedgerEntry._meta.db_table,
                            entry=Entry._meta.db_table, member=Member._meta.db_table, branch=Branch._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"y": year, "m": month, "r1s": r1s, "r1e": r1e, "r2s": r2s, "r2e": r2e})
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


class _Subject:
    """A subject's figures plus the entry ids of each condition (from the same query)."""

    def __init__(self, row: dict, key: int):
        self.figures = compute.Figures(
            key=key, total=row["total"], late=row["late"], additions=row["additions"],
            added_points=Decimal(row["added_points"]), no_evidence=row["no_evidence"], rush=row["rush"],
            divergent=row["divergent"])
        self.ids = {kind: row[column] or [] for kind, column in _IDS.items()}
        self.member_ids: dict[int, list[int]] = {}

    def add_member(self, row: dict) -> None:
        if row["additions"]:
            self.figures.member_points[row["member_id"]] = Decimal(row["added_points"])
            self.member_ids[row["member_id"]] = row["addition_ids"] or []

    def entry_ids(self, kind: str) -> list[int]:
        if kind == "concentration":
            points = self.figures.member_points
            top = sorted(points, key=lambda member: (-points[member], member))[:3]
            ids = sorted(i for member in top for i in self.member_ids.get(member, []))
        else:
            ids = sorted(self.ids.get(kind, []))
        return ids[:MAX_ENTRY_IDS]


def _month_subjects(*, year: int, month: int, windows) -> tuple[dict, dict, dict]:
    scorers: dict[int, _Subject] = {}
    branches: dict[int, _Subject] = {}
    villages: dict[int, Counter] = defaultdict(Counter)
    rows = _month_rows(year=year, month=month, windows=windows)
    for row in rows:
        if row["by_scorer"]:
            scorers[row["scorer"]] = _Subject(row, row["scorer"])
        elif row["by_branch"]:
            branches[row["branch"]] = _Subject(row, row["branch"])
    for row in rows:
        if row["by_member"] and row["scorer"] is not None:
            scorers[row["scorer"]].add_member(row)
        elif row["by_member"] and row["branch"] is not None:
            branches[row["branch"]].add_member(row)
        elif row["by_village"] and row["village"] is not None:
            villages[row["scorer"]][row["village"]] += row["total"]
    return scorers, branches, villages


def _check_results(year: int, month: int) -> dict | None:
    """The spot checks' results per branch, when the oversight app is installed; else None."""
    if not apps.is_installed("scoring.oversight"):
        return None
    from scoring.oversight.selectors import branch_check_results  # the oversight helper's app

    return branch_check_results(year=year, month=month)


def _params(flag: compute.Flag, fig: compute.Figures, settings: SignalSettings) -> dict:
    params = {"count": flag.count, "total": flag.total, "value": f"{flag.value * 100:.0f}",
              "threshold": f"{flag.threshold * 100:.0f}",
              "peer": "" if flag.peer_value is None else f"{flag.peer_value * 100:.0f}%", **flag.params}
    if flag.kind == "rush":
        params["days"] = settings.rush_days
    if flag.kind == "check_gap":
        params.update(checked=str(fig.checked_points), confirmed=str(fig.confirmed_points))
    if flag.kind == "peer":
        params.update(value=f"{flag.value:.2f}", threshold=f"{flag.threshold:.2f}",
                      peer=f"{flag.peer_value:.2f}")
    return params


@transaction.atomic
def signals_compute(*, year: int, month: int, actor=None) -> SignalRun:
    """Compute and store the flags of the closed month `year`-`month`; idempotent: a month that
    was computed already returns its run unchanged (the close row is locked meanwhile)."""
    close = MonthClose.objects.select_for_update().filter(year=year, month=month).first()
    if close is None:
        raise DomainError(MONTH_NOT_CLOSED)
    existing = SignalRun.objects.filter(year=year, month=month).first()
    if existing is not None:
        return existing
    settings = settings_get()
    windows = rush_windows(year=year, month=month, close=close, days=settings.rush_days)
    scorers, branches, villages = _month_subjects(year=year, month=month, windows=windows)

    branch_rows = {b["id"]: b for b in Branch.objects.filter(pk__in=list(branches)).values("id", "kind", "village_id")}
    member_counts = dict(Member.objects.filter(status=Member.Status.ACTIVE, branch_id__in=list(branches))
                         .values("branch_id").annotate(n=Count("id")).values_list("branch_id", "n"))
    checks = _check_results(year, month)
    for branch_id, subject in branches.items():
        subject.figures.members = member_counts.get(branch_id, 0)
        result = (checks or {}).get(branch_id)
        if result and result.get("points_checked"):
            subject.figures.checked_points = Decimal(result["points_checked"])
            subject.figures.confirmed_points = Decimal(result.get("points_confirmed") or 0)
    kinds = defaultdict(list)
    for branch_id, row in branch_rows.items():
        kinds[row["kind"]].append(branch_id)

    scorer_flags = compute.flags_for([s.figures for s in scorers.values()], settings)
    branch_flags = compute.flags_for([s.figures for s in branches.values()], settings,
                                     peers_of=lambda key: kinds[branch_rows[key]["kind"]] if key in branch_rows else [])
    names = dict(get_user_model().objects.filter(pk__in={f.key for f in scorer_flags})
                 .values_list("pk", "full_name"))

    run = SignalRun.objects.create(year=year, month=month, computed_at=clock.now(),
                                   subjects=len(scorers) + len(branches), used_checks=checks is not None)
    signals = []
    for subject_kind, flags, subjects in ((Signal.Subject.SCORER, scorer_flags, scorers),
                                          (Signal.Subject.BRANCH, branch_flags, branches)):
        for flag in flags:
            subject = subjects[flag.key]
            signal = Signal(
                run=run, year=year, month=month, subject=subject_kind, kind=flag.kind, value=flag.value,
                peer_value=flag.peer_value, threshold=flag.threshold, count=flag.count, total=flag.total,
                params=_params(flag, subject.figures, settings), entry_ids=subject.entry_ids(flag.kind),
            )
            if subject_kind == Signal.Subject.SCORER:
                signal.scorer_id = flag.key
                signal.scorer_name = names.get(flag.key, "") or f"#{flag.key}"
                # the village a check would go to: where most of the scorer's entries were
                counts = villages.get(flag.key)
                signal.village_id = min(counts.items(), key=lambda item: (-item[1], item[0]))[0] if counts else None
            else:
                signal.branch_id = flag.key
                signal.village_id = branch_rows.get(flag.key, {}).get("village_id")
            signals.append(signal)
    Signal.objects.bulk_create(signals)
    run.flags = len(signals)
    run.save(update_fields=["flags"])
    audit_record(actor=actor, action="signals.computed", instance=run,
                 after={"flags": run.flags, "subjects": run.subjects, "used_checks": run.used_checks})
    if signals:
        _notify_flagged(run)
    return run


def _notify_flagged(run: SignalRun) -> None:
    from notifications.selectors import township_office_users
    from notifications.services import notify

    township = connection.tenant
    recipients = list(township_office_users(township=township))
    if recipients:
        notify(event="signals.flagged", recipients=recipients, township=township,
               context={"month": f"{run.year}-{run.month:02d}", "flags": run.flags,
                        "url": f"{township.url_prefix()}oversight/signals/?month={run.year}-{run.month:02d}"})


def signals_compute_due(*, actor=None) -> list[SignalRun]:
    """Compute every closed month that has no computation yet, oldest first (the beat job)."""
    done = set(SignalRun.objects.values_list("year", "month"))
    runs = []
    for year, month in MonthClose.objects.order_by("year", "month").values_list("year", "month"):
        if (year, month) not in done:
            runs.append(signals_compute(year=year, month=month, actor=actor))
    return runs


# --- decisions ------------------------------------------------------------------------------------
def _open_signal(*, access: Access, signal_id: int) -> Signal:
    if not can_decide(access):
        raise PermissionDenied()
    signal = Signal.objects.select_for_update().filter(pk=signal_id).first()
    if signal is None:
        raise NotFound()
    if signal.status != Signal.Status.OPEN:
        raise Conflict(ALREADY_DECIDED)
    return signal


@transaction.atomic
def signal_dismiss(*, actor, access: Access, signal_id: int, note: str) -> Signal:
    """Dismiss a flag with a note (why it is not favouritism); the flag stays on record."""
    signal = _open_signal(access=access, signal_id=signal_id)
    if not (note or "").strip():
        raise DomainError(NOTE_REQUIRED, field_errors={"note": [NOTE_REQUIRED]})
    before = snapshot(signal, fields=["status", "decision_note"])
    signal.status = Signal.Status.DISMISSED
    signal.decision_note = note.strip()
    signal.decided_by_id = actor.pk
    signal.decided_at = clock.now()
    full_clean_or_raise(signal)
    signal.save()
    audit_record(actor=actor, action="signals.dismissed", instance=signal, before=before,
                 after=snapshot(signal, fields=["status", "decision_note"]))
    return signal


def unannounced_check_path(*, township, village_id: int) -> str:
    # The spot checks' unannounced-check page (URL name `oversight:check-unannounced`), built from
    # the township's prefix because this runs outside a request too (notifications).
    return f"{township.url_prefix()}oversight/checks/unannounced/?village={village_id}"


@transaction.atomic
def signal_check_open(*, actor, access: Access, signal_id: int, note: str = "") -> tuple[Signal, str]:
    """Decide that the flag needs a check: records the decision and returns the path of the
    unannounced check page for the flag's village (the check itself is opened there)."""
    signal = _open_signal(access=access, signal_id=signal_id)
    if signal.village_id is None:
        raise DomainError(NO_VILLAGE)
    before = snapshot(signal, fields=["status", "decision_note"])
    signal.status = Signal.Status.CHECK_OPENED
    signal.decision_note = (note or "").strip()
    signal.decided_by_id = actor.pk
    signal.decided_at = clock.now()
    full_clean_or_raise(signal)
    signal.save()
    audit_record(actor=actor, action="signals.check_opened", instance=signal, before=before,
                 after=snapshot(signal, fields=["status", "decision_note"]))
    return signal, unannounced_check_path(township=connection.tenant, village_id=signal.village_id)
