"""Writes of the favouritism signals: computing a closed month's flags, the township's thresholds,
and the human decision on each flag (dismissed with a note, or a check opened).

Computing (`signals_compute`): every count is one SQL aggregate over the month's posted entries
(entries whose ledger row is booked in the closed month), grouped by scorer (`entered_by_id`)
and by branch; only the per-member sums of additions (for concentration) and the flags'
entry lists are read back row by row, never the ledger rows. See `compute.py` for the
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
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
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
def rush_windows(*, year: int, month: int, close: MonthClose, days: int) -> Q:
    """Entries entered in the last `days` local days of the month up to its close, or in the
    `days` days before the quarter's notice was published (periods calendar, township zone)."""
    zone = connection.tenant.time_zone_info()
    last_day = dt.date(year, month, std_calendar.monthrange(year, month)[1])
    start = clock.start_of_day(last_day - dt.timedelta(days=days - 1), zone=zone)
    window = Q(entered_at__gte=start, entered_at__lte=max(close.closed_at, clock.end_of_day(last_day, zone=zone)))
    publication = (Publication.objects.filter(year=year, quarter=quarter_of(month))
                   .order_by("version").values_list("opened_at", flat=True).first())
    if publication is not None:
        window |= Q(entered_at__gte=publication - dt.timedelta(days=days), entered_at__lte=publication)
    return window


def _month_entries(year: int, month: int):
    return Entry.objects.filter(posting__booked_year=year, posting__booked_month=month,
                                posting__kind__in=[LedgerEntry.Kind.ADJUSTMENT, LedgerEntry.Kind.CORRECTION])


def _conditions(*, year: int, month: int, close: MonthClose, settings: SignalSettings) -> dict[str, Q]:
    addition = Q(points__gt=0)
    changed = Review.objects.filter(entry=OuterRef("pk"), score__isnull=False).exclude(score=OuterRef("points"))
    return {
        "late": Q(is_late=True),
        "addition": addition,
        "no_evidence": addition & Q(posting__evidence_hashes__len=0),
        "rush": addition & rush_windows(year=year, month=month, close=close, days=settings.rush_days),
        "divergent": (Q(final_points__isnull=False) & ~Q(final_points=F("points"))) | Q(review_changed=True),
        "changed": changed,
    }


def _figures(qs, key: str, cond: dict[str, Q]) -> dict[int, compute.Figures]:
    rows = (qs.annotate(review_changed=Exists(cond["changed"])).values(key).annotate(
        total=Count("id"),
        late=Count("id", filter=cond["late"]),
        additions=Count("id", filter=cond["addition"]),
        added_points=Sum("points", filter=cond["addition"]),
        no_evidence=Count("id", filter=cond["no_evidence"]),
        rush=Count("id", filter=cond["rush"]),
        divergent=Count("id", filter=cond["divergent"]),
    ).order_by(key))
    figures = {}
    for row in rows:
        figures[row[key]] = compute.Figures(
            key=row[key], total=row["total"], late=row["late"], additions=row["additions"],
            added_points=row["added_points"] or Decimal("0"), no_evidence=row["no_evidence"], rush=row["rush"],
            divergent=row["divergent"])
    per_member = (qs.filter(cond["addition"]).values(key, "member_id").annotate(points=Sum("points"))
                  .order_by(key, "member_id"))
    for row in per_member:
        figures[row[key]].member_points[row["member_id"]] = row["points"]
    return figures


def _check_results(year: int, month: int) -> dict | None:
    """The spot checks' results per branch, when the oversight app is installed; else None."""
    if not apps.is_installed("scoring.oversight"):
        return None
    from scoring.oversight.selectors import branch_check_results  # the oversight helper's app

    return branch_check_results(year=year, month=month)


def _entry_ids(qs, *, kind: str, cond: dict[str, Q], flag: compute.Flag, fig: compute.Figures) -> list[int]:
    if kind == "late":
        qs = qs.filter(cond["late"])
    elif kind in ("no_evidence", "rush"):
        qs = qs.filter(cond[kind])
    elif kind == "divergence":
        qs = qs.annotate(review_changed=Exists(cond["changed"])).filter(cond["divergent"])
    elif kind == "concentration":
        top = sorted(fig.member_points.items(), key=lambda item: (-item[1], item[0]))[:3]
        qs = qs.filter(cond["addition"], member_id__in=[member for member, _points in top])
    elif kind == "peer":
        qs = qs.filter(cond["addition"])
    return list(qs.order_by("pk").values_list("pk", flat=True)[:MAX_ENTRY_IDS])


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
    cond = _conditions(year=year, month=month, close=close, settings=settings)
    entries = _month_entries(year, month)
    scorers = _figures(entries, "entered_by_id", cond)
    branches = _figures(entries, "member__branch_id", cond)

    branch_rows = {b["id"]: b for b in Branch.objects.filter(pk__in=list(branches)).values("id", "kind", "village_id")}
    member_counts = dict(Member.objects.filter(status=Member.Status.ACTIVE, branch_id__in=list(branches))
                         .values("branch_id").annotate(n=Count("id")).values_list("branch_id", "n"))
    checks = _check_results(year, month)
    for branch_id, fig in branches.items():
        fig.members = member_counts.get(branch_id, 0)
        result = (checks or {}).get(branch_id)
        if result and result.get("points_checked"):
            fig.checked_points = Decimal(result["points_checked"])
            fig.confirmed_points = Decimal(result.get("points_confirmed") or 0)
    kinds = defaultdict(list)
    for branch_id, row in branch_rows.items():
        kinds[row["kind"]].append(branch_id)

    scorer_flags = compute.flags_for(list(scorers.values()), settings)
    branch_flags = compute.flags_for(list(branches.values()), settings,
                                     peers_of=lambda key: kinds[branch_rows[key]["kind"]] if key in branch_rows else [])

    # A scorer's village: where most of the month's entries were.
    scorer_village: dict[int, int] = {}
    if scorer_flags:
        counts: dict[int, Counter] = defaultdict(Counter)
        for row in (entries.filter(entered_by_id__in={f.key for f in scorer_flags})
                    .values("entered_by_id", "member__branch__village_id").annotate(n=Count("id"))):
            if row["member__branch__village_id"]:
                counts[row["entered_by_id"]][row["member__branch__village_id"]] += row["n"]
        scorer_village = {k: min(c.items(), key=lambda item: (-item[1], item[0]))[0] for k, c in counts.items()}
    names = dict(get_user_model().objects.filter(pk__in={f.key for f in scorer_flags})
                 .values_list("pk", "full_name"))

    run = SignalRun.objects.create(year=year, month=month, computed_at=clock.now(),
                                   subjects=len(scorers) + len(branches), used_checks=checks is not None)
    signals = []
    for subject, flags, figures in ((Signal.Subject.SCORER, scorer_flags, scorers),
                                    (Signal.Subject.BRANCH, branch_flags, branches)):
        for flag in flags:
            fig = figures[flag.key]
            scoped = entries.filter(entered_by_id=flag.key) if subject == Signal.Subject.SCORER \
                else entries.filter(member__branch_id=flag.key)
            signal = Signal(
                run=run, year=year, month=month, subject=subject, kind=flag.kind, value=flag.value,
                peer_value=flag.peer_value, threshold=flag.threshold, count=flag.count, total=flag.total,
                params=_params(flag, fig, settings),
                entry_ids=[] if flag.kind == "check_gap" else _entry_ids(scoped, kind=flag.kind, cond=cond,
                                                                         flag=flag, fig=fig),
            )
            if subject == Signal.Subject.SCORER:
                signal.scorer_id = flag.key
                signal.scorer_name = names.get(flag.key, "") or f"#{flag.key}"
                signal.village_id = scorer_village.get(flag.key)
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
    # The oversight helper's page (URL name `oversight:check-unannounced`); switched to
    # reverse() once both apps are merged.
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
