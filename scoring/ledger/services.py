"""Writes of the entry workflow: record an entry, decide a late entry, review it level by level.

An entry takes effect only when its review path completes: the last level's approval posts it
to the ledger (`scoring.ledger.posting.ledger_post`) in the same transaction. Every write locks
the rows it decides on (`select_for_update`), so a double click or two reviewers at once never
decide a level twice or post twice; a refused write leaves nothing behind (no entry, no file,
no audit event).

Caps (per member and item code, per calendar month of the event and per scoring year) count
posted ledger rows plus entries still pending, under a lock on the member row, so two pending
entries cannot both squeeze under a cap.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from scoring.choices import REVIEW_LEVEL_ORDER, Category
from scoring.ledger.chain import month_index
from scoring.ledger.evidence import evidence_check
from scoring.ledger.models import Entry, Evidence, LedgerEntry, LedgerHead, Review
from scoring.ledger.posting import Posting, ledger_post
from scoring.ledger.selectors import (
    ENTRY_NOT_FOUND,
    entry_level_deciders,
    level_members,
    linked_member_ids,
    township_today,
)
from tenants.organisation.models import Member
from tenants.organisation.selectors import member_scope

CANNOT_ENTER_POINTS = _("You may not record points entries.")
MEMBER_OUT_OF_SCOPE = _("Choose a member in your scope.")
MEMBER_NOT_ACTIVE = _("Points can only be recorded for an active member.")
RULE_NOT_APPLICABLE = _("This item is not in force on that date or does not apply to this member.")
POINTS_OUT_OF_RANGE = _("Points for this item must be between %(min)s and %(max)s.")
POINTS_SIGN_DEDUCTION = _("A deduction must be negative.")
POINTS_SIGN_ADDITION = _("An addition must be positive.")
POINTS_INVALID = _("Enter a number of points.")
EVIDENCE_REQUIRED = _("This item needs at least one photo or PDF as evidence.")
OCCURRED_IN_FUTURE = _("The date it happened cannot be in the future.")
LATE_REASON_REQUIRED = _("This is a late entry (older than %(days)s days or in a sealed month): give the reason.")
MONTHLY_CAP_EXCEEDED = _("This exceeds the item's cap of %(cap)s points per month for this member "
                         "(already %(used)s, including entries still in review).")
YEARLY_CAP_EXCEEDED = _("This exceeds the item's cap of %(cap)s points per year for this member "
                        "(already %(used)s, including entries still in review).")
NOT_IN_REVIEW = _("This entry is not waiting for review.")
LEVEL_ALREADY_DECIDED = _("This level has already been decided.")
NOT_YOUR_LEVEL = _("You do not decide this entry's current review level.")
REVIEW_OWN_RECORD = _("You cannot review an entry about yourself.")
REVIEW_OWN_ENTRY = _("You cannot review an entry you recorded.")
REVIEW_TWO_LEVELS = _("You have already decided an earlier level of this entry.")
REJECT_REASON_REQUIRED = _("Give the reason for rejecting.")
SCORE_OUT_OF_RANGE = _("The points given must be between %(min)s and %(max)s.")
UNKNOWN_DECISION = _("Unknown decision.")
NOT_AWAITING_LATE = _("This entry is not waiting for late-entry approval.")
CANNOT_DECIDE_LATE = _("Only the township office approves late entries.")
LATE_REJECT_NOTE_REQUIRED = _("Give the reason for refusing the late entry.")
LATE_OWN_ENTRY = _("You cannot approve a late entry you recorded or one about yourself.")
CANNOT_PROPOSE_CORRECTION = _("You may not propose corrections.")
CORRECT_ONLY_POSTED = _("Only a posted entry can be corrected.")
CORRECTION_OF_CORRECTION = _("Correct the original entry, not a correction.")
CORRECTION_REASON_REQUIRED = _("Give the reason for the correction.")
CORRECTION_ZERO = _("A correction must change the points.")
CORRECTION_OUT_OF_RANGE = _("After this correction the entry would count %(net)s points; it must stay between "
                            "%(min)s and %(max)s (corrections already posted or pending included).")
CORRECTION_AS_PROPOSED = _("A correction is approved or rejected as proposed; propose a new one for other points.")

NOT_RETURNED = _("Only an entry returned to you (rejected) can be corrected and resubmitted.")
NOT_YOUR_ENTRY = _("Only the person who recorded this entry can correct and resubmit it.")
ALREADY_RESUBMITTED = _("This entry has already been corrected and resubmitted.")
CORRECTIONS_NOT_RESUBMITTED = _("A correction is not resubmitted; propose a new one instead.")
BATCH_NOTHING_CHOSEN = _("Choose at least one entry.")

CENT = Decimal("0.01")
PENDING = (Entry.Status.AWAITING_LATE_APPROVAL, Entry.Status.IN_REVIEW)
APPROVE, REJECT = Review.Decision.APPROVE.value, Review.Decision.REJECT.value


# --- helpers -------------------------------------------------------------------------------------
def _field_error(field: str, message) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _decimal(value, field: str) -> Decimal:
    try:
        result = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        raise _field_error(field, POINTS_INVALID) from None
    if not result.is_finite():
        raise _field_error(field, POINTS_INVALID)
    return result


def _check_points(rule, points: Decimal, field: str = "points", message=POINTS_OUT_OF_RANGE) -> None:
    if rule.category == Category.DISCIPLINE and points >= 0:
        raise _field_error(field, POINTS_SIGN_DEDUCTION)
    if rule.category in (Category.BASIC, Category.VANGUARD) and points <= 0:
        raise _field_error(field, POINTS_SIGN_ADDITION)
    if not rule.points_min <= points <= rule.points_max:
        raise _field_error(field, message % {"min": rule.points_min, "max": rule.points_max})


def cap_usage(*, member_id: int, rule, occurred_on: dt.date, exclude_entry_id: int | None = None) -> dict:
    """Points already counted against `rule`'s caps for the member: posted ledger rows (net of
    reversals) plus pending entries, for the event's calendar month and for the scoring year."""
    year = rule.scoring_year.year
    month_start = occurred_on.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1)
    in_month = Q(occurred_on__gte=month_start, occurred_on__lt=month_end)
    ledger = LedgerEntry.objects.filter(member_id=member_id, rule__code=rule.code, scoring_year=year)
    pending = Entry.objects.filter(member_id=member_id, rule__code=rule.code, rule__scoring_year__year=year,
                                   status__in=PENDING)
    if exclude_entry_id is not None:
        pending = pending.exclude(pk=exclude_entry_id)
    zero = Decimal("0")
    sums = ledger.aggregate(year=Coalesce(Sum("points"), zero), month=Coalesce(Sum("points", filter=in_month), zero))
    waiting = pending.aggregate(year=Coalesce(Sum("points"), zero), month=Coalesce(Sum("points", filter=in_month),
                                                                                     zero))
    return {"month": sums["month"] + waiting["month"], "year": sums["year"] + waiting["year"]}


def _check_caps(*, member_id: int, rule, occurred_on: dt.date, points: Decimal,
                exclude_entry_id: int | None = None) -> None:
    """Caps bound the size of the item's total (positive for additions, negative for deductions)."""
    if rule.monthly_cap is None and rule.yearly_cap is None:
        return
    used = cap_usage(member_id=member_id, rule=rule, occurred_on=occurred_on, exclude_entry_id=exclude_entry_id)
    if rule.monthly_cap is not None and abs(used["month"] + points) > abs(rule.monthly_cap):
        raise _field_error("points", MONTHLY_CAP_EXCEEDED % {"cap": abs(rule.monthly_cap), "used": abs(used["month"])})
    if rule.yearly_cap is not None and abs(used["year"] + points) > abs(rule.yearly_cap):
        raise _field_error("points", YEARLY_CAP_EXCEEDED % {"cap": abs(rule.yearly_cap), "used": abs(used["year"])})


def _review_path(scoring_year) -> tuple[list[str], dict[str, str]]:
    chosen = {str(level) for level in scoring_year.review_levels or []}
    levels = [level.value for level in REVIEW_LEVEL_ORDER if level.value in chosen]
    weights = {level: str(Decimal(str((scoring_year.review_weights or {}).get(level, "0")))) for level in levels}
    return levels, weights


def _is_late(*, occurred_on: dt.date, today: dt.date, window_days: int) -> bool:
    if (today - occurred_on).days > window_days:
        return True
    head = LedgerHead.objects.filter(pk=1).first()
    sealed_through = head.sealed_through if head is not None else -1
    return month_index(occurred_on.year, occurred_on.month) <= sealed_through


def _notify_awaiting(entry: Entry, actor) -> None:
    from notifications.services import notify

    users = entry_level_deciders([entry])[entry.pk]
    if users:
        notify(event="entry.awaiting_review", recipients=users, context=_message_context(entry),
               township=connection.tenant, actor=actor)


def _notify_enterer(entry: Entry, event: str, actor, reason: str = "") -> None:
    from notifications.selectors import recipients_in_township
    from notifications.services import notify

    users = recipients_in_township(township=connection.tenant,
                                   users=list(get_user_model().objects.filter(pk=entry.entered_by_id, is_active=True)))
    if users:
        notify(event=event, recipients=users, context={**_message_context(entry), "reason": reason},
               township=connection.tenant, actor=actor)


def _message_context(entry: Entry) -> dict:
    points = entry.final_points if entry.final_points is not None else entry.points
    return {"entry_id": entry.pk, "member_name": entry.member.name, "item": entry.rule.name, "points": str(points)}


def _start_review_or_post(entry: Entry, actor) -> None:
    """Send the entry to its first review level, or post it at once when the path is empty."""
    if entry.review_levels:
        entry.status = Entry.Status.IN_REVIEW
        entry.current_level = entry.review_levels[0]
        entry.save(update_fields=["status", "current_level"])
        _notify_awaiting(entry, actor)
    else:
        _post(entry, actor, entry.points)


def weighted_points(entry: Entry, scores: dict[str, Decimal]) -> Decimal:
    """Σ weight·score over the entry's levels, divided by Σ weight (so weights need not add up to
    one when a township skips a level), quantized to 0.01 and clamped to the rule's range."""
    weights = {level: Decimal(str(entry.review_weights.get(level, "0"))) for level in entry.review_levels}
    total_weight = sum(weights.values(), Decimal("0"))
    if total_weight <= 0:
        weights = {level: Decimal("1") for level in entry.review_levels}
        total_weight = Decimal(len(weights))
    value = sum((weights[level] * scores[level] for level in entry.review_levels), Decimal("0")) / total_weight
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return min(max(value, entry.rule.points_min), entry.rule.points_max)


def _post(entry: Entry, actor, final_points: Decimal) -> LedgerEntry:
    _check_caps(member_id=entry.member_id, rule=entry.rule, occurred_on=entry.occurred_on, points=final_points,
                exclude_entry_id=entry.pk)
    before = snapshot(entry)
    kind = LedgerEntry.Kind.CORRECTION if entry.corrects_id else LedgerEntry.Kind.ADJUSTMENT
    [row] = ledger_post(postings=[Posting(
        kind=kind, member_id=entry.member_id, points=final_points,
        occurred_on=entry.occurred_on, scoring_year=entry.rule.scoring_year.year, rule_id=entry.rule_id,
        entry_id=entry.pk, note=entry.note, evidence_hashes=tuple(entry.evidence.values_list("sha256", flat=True)),
    )], actor_id=getattr(actor, "pk", None))
    entry.status = Entry.Status.POSTED
    entry.final_points = final_points
    entry.current_level = ""
    entry.decided_at = clock.now()
    entry.save(update_fields=["status", "final_points", "current_level", "decided_at"])
    audit_record(actor=actor, action="entry.post", instance=entry, before=before,
                 after={**snapshot(entry), "ledger_seq": row.seq, "ledger_hash": row.hash})
    return row


def _locked_entry(entry_id: int) -> Entry:
    try:
        return (Entry.objects.select_for_update(of=("self",)).select_related("rule", "rule__scoring_year", "member",
                                                                             "member__branch")
                .get(pk=entry_id))
    except Entry.DoesNotExist:
        raise NotFound(ENTRY_NOT_FOUND) from None


# --- writes --------------------------------------------------------------------------------------
@transaction.atomic
def entry_create(
    *, actor, access: Access, member_id: int, rule_code: str, occurred_on: dt.date, points, note: str = "",
    evidence_files=(), late_reason: str = "", source: str = "", kept_evidence=(),
) -> Entry:
    """Record an entry for a member in the actor's scope; it goes to review (or, when late, to the
    township office for approval first). Raises DomainError with a field-keyed message otherwise.

    `source` names what proposed the entry when it is not typed by hand (e.g. `meeting:12`), so the
    entry links back to its record and a caller can refuse to propose the same thing twice."""
    from scoring.catalogue.selectors import rule_in_force, rules_in_force

    if not access.can_enter_points:
        raise PermissionDenied(CANNOT_ENTER_POINTS)
    # The member row lock serialises entries for one member, so cap checks cannot race.
    member = member_scope(access).select_for_update(of=("self",)).select_related("branch").filter(pk=member_id).first()
    if member is None:
        raise _field_error("member", MEMBER_OUT_OF_SCOPE)
    if member.status != Member.Status.ACTIVE:
        raise _field_error("member", MEMBER_NOT_ACTIVE)
    today = township_today()
    if occurred_on > today:
        raise _field_error("occurred_on", OCCURRED_IN_FUTURE)
    try:
        rule = rule_in_force(code=rule_code, on=occurred_on)
    except DomainError as exc:  # NotFound: no such item on that date
        raise _field_error("rule", exc.message) from exc
    if not rules_in_force(on=occurred_on, member=member).filter(pk=rule.pk).exists():
        raise _field_error("rule", RULE_NOT_APPLICABLE)
    points = _decimal(points, "points")
    _check_points(rule, points)
    checked = evidence_check(evidence_files)
    kept_evidence = list(kept_evidence)
    if rule.evidence_required and not checked and not kept_evidence:
        raise _field_error("evidence", EVIDENCE_REQUIRED)
    scoring_year = rule.scoring_year
    is_late = _is_late(occurred_on=occurred_on, today=today, window_days=scoring_year.late_window_days)
    late_reason = (late_reason or "").strip()
    if is_late and not late_reason:
        raise _field_error("late_reason", LATE_REASON_REQUIRED % {"days": scoring_year.late_window_days})
    _check_caps(member_id=member.pk, rule=rule, occurred_on=occurred_on, points=points)

    levels, weights = _review_path(scoring_year)
    entry = Entry(
        member=member, rule=rule, occurred_on=occurred_on, points=points, note=(note or "").strip(),
        status=Entry.Status.AWAITING_LATE_APPROVAL if is_late else Entry.Status.IN_REVIEW,
        is_late=is_late, late_reason=late_reason if is_late else "", entered_by_id=actor.pk,
        lag_days=(today - occurred_on).days, review_levels=levels, review_weights=weights, current_level="",
        source=(source or "")[:40],
    )
    full_clean_or_raise(entry)
    entry.save()
    saved = []
    try:
        for item in checked:
            evidence = Evidence(entry=entry, original_name=item.original_name, content_type=item.content_type,
                                size=item.size, sha256=item.sha256, uploaded_by_id=actor.pk)
            evidence.file.save(item.stored_name, item.upload, save=False)
            saved.append(evidence)
            evidence.save()
        kept = [Evidence.objects.create(entry=entry, file=old.file.name, original_name=old.original_name,
                                        content_type=old.content_type, size=old.size, sha256=old.sha256,
                                        uploaded_by_id=old.uploaded_by_id) for old in kept_evidence]
        audit_record(actor=actor, action="entry.create", instance=entry,
                     after={**snapshot(entry), "evidence": [e.sha256 for e in kept + saved]})
        if not is_late:
            _start_review_or_post(entry, actor)
    except BaseException:
        # The rows roll back with the transaction; the files are not transactional.
        for evidence in saved:
            evidence.file.delete(save=False)
        raise
    return entry


@transaction.atomic
def entry_late_decide(*, actor, access: Access, entry_id: int, decision: str, note: str = "") -> Entry:
    """The township office approves a late entry (it then goes to review) or refuses it."""
    if not access.runs_scoring:
        raise PermissionDenied(CANNOT_DECIDE_LATE)
    entry = _locked_entry(entry_id)
    if entry.status != Entry.Status.AWAITING_LATE_APPROVAL:
        raise Conflict(NOT_AWAITING_LATE)
    if entry.entered_by_id == actor.pk or entry.member_id in ({access.member_id} | linked_member_ids(actor.pk)):
        raise PermissionDenied(LATE_OWN_ENTRY)
    note = (note or "").strip()
    if decision not in (APPROVE, REJECT):
        raise _field_error("decision", UNKNOWN_DECISION)
    if decision == REJECT and not note:
        raise _field_error("note", LATE_REJECT_NOTE_REQUIRED)
    before = snapshot(entry)
    entry.late_decided_by_id = actor.pk
    entry.late_decided_at = clock.now()
    entry.late_decision_note = note
    if decision == REJECT:
        entry.status = Entry.Status.REJECTED
        entry.decided_at = entry.late_decided_at
    entry.save(update_fields=["late_decided_by_id", "late_decided_at", "late_decision_note", "status", "decided_at"])
    audit_record(actor=actor, action=f"entry.late_{decision}", instance=entry, before=before, after=snapshot(entry))
    if decision == APPROVE:
        _start_review_or_post(entry, actor)
    else:
        _notify_enterer(entry, "entry.rejected", actor, reason=note)
    return entry


@transaction.atomic
def entry_review(
    *, actor, access: Access, entry_id: int, decision: str, score=None, reason: str = "", level: str | None = None,
) -> Entry:
    """Decide the entry's current level. `level`, when given, is the level the reviewer saw: if it
    has been decided meanwhile the call is refused (Conflict) instead of deciding the next one."""
    entry = _locked_entry(entry_id)
    if not member_scope(access).filter(pk=entry.member_id).exists():
        raise NotFound(ENTRY_NOT_FOUND)
    if entry.status != Entry.Status.IN_REVIEW:
        raise Conflict(NOT_IN_REVIEW)
    if level is not None and level != entry.current_level:
        raise Conflict(LEVEL_ALREADY_DECIDED)
    if not level_members(access, entry.current_level).filter(pk=entry.member_id).exists():
        raise PermissionDenied(NOT_YOUR_LEVEL)
    if Review.objects.filter(entry=entry, level=entry.current_level).exists():
        raise Conflict(LEVEL_ALREADY_DECIDED)
    if entry.member_id in ({access.member_id} | linked_member_ids(actor.pk)):
        raise PermissionDenied(REVIEW_OWN_RECORD)
    if entry.entered_by_id == actor.pk:
        raise PermissionDenied(REVIEW_OWN_ENTRY)
    if Review.objects.filter(entry=entry, reviewer_id=actor.pk).exists():
        raise PermissionDenied(REVIEW_TWO_LEVELS)
    if decision not in (APPROVE, REJECT):
        raise _field_error("decision", UNKNOWN_DECISION)
    reason = (reason or "").strip()
    if decision == REJECT and not reason:
        raise _field_error("reason", REJECT_REASON_REQUIRED)
    if decision == APPROVE and entry.corrects_id:
        given = entry.points if score in (None, "") else _decimal(score, "score")
        if given != entry.points:
            raise _field_error("score", CORRECTION_AS_PROPOSED)
    elif decision == APPROVE:
        given = entry.points if score in (None, "") else _decimal(score, "score")
        _check_points(entry.rule, given, field="score", message=SCORE_OUT_OF_RANGE)
    else:
        given = None if score in (None, "") else _decimal(score, "score")

    before = snapshot(entry)
    review = Review(entry=entry, level=entry.current_level, reviewer_id=actor.pk, decision=decision, score=given,
                    reason=reason)
    full_clean_or_raise(review)
    review.save()
    audit_record(actor=actor, action=f"entry.review_{decision}", instance=entry, before=before,
                 after={"level": review.level, "decision": decision, "score": str(given) if given is not None else None,
                        "reason": reason})
    if decision == REJECT:
        entry.status = Entry.Status.REJECTED
        entry.current_level = ""
        entry.decided_at = clock.now()
        entry.save(update_fields=["status", "current_level", "decided_at"])
        _notify_enterer(entry, "entry.rejected", actor, reason=reason)
        return entry
    position = entry.review_levels.index(entry.current_level)
    if position + 1 < len(entry.review_levels):
        entry.current_level = entry.review_levels[position + 1]
        entry.save(update_fields=["current_level"])
        _notify_awaiting(entry, actor)
        return entry
    scores = {r.level: (r.score if r.score is not None else entry.points) for r in entry.reviews.all()}
    _post(entry, actor, entry.points if entry.corrects_id else weighted_points(entry, scores))
    _notify_enterer(entry, "entry.approved", actor)
    return entry


def _correction_bounds(original: Entry, points: Decimal) -> None:
    """The original's net points after all its corrections (posted or pending) and this one must
    stay between zero and the item's range, on the item's side of zero."""
    rule = original.rule
    corrections = original.corrections.exclude(status=Entry.Status.REJECTED)
    net = (original.final_points or Decimal("0")) + points + sum(
        (c.final_points if c.status == Entry.Status.POSTED else c.points for c in corrections), Decimal("0"))
    low, high = min(Decimal("0"), rule.points_min), max(Decimal("0"), rule.points_max)
    if not low <= net <= high:
        raise _field_error("points", CORRECTION_OUT_OF_RANGE % {"net": net, "min": low, "max": high})


@transaction.atomic
def entry_correction_propose(
    *, actor, access: Access, entry_id: int, points, reason: str, source: str = "", authorised: bool = False,
) -> Entry:
    """Propose a correcting entry of `points` (the change: negative to take points back) against a
    posted entry. It goes through the scoring year's review path like any entry and is posted as a
    "correction" row; the original entry and its ledger row stay as they are.

    The township office, the supervision office and the discipline commission may propose one;
    other callers (a spot-check team member, say) pass `authorised=True` after checking their own rule.
    """
    from accounts.models import Role

    if not (authorised or access.runs_scoring
            or access.has_role(Role.SUPERVISION_OFFICE, Role.DISCIPLINE_COMMISSION)):
        raise PermissionDenied(CANNOT_PROPOSE_CORRECTION)
    original = _locked_entry(entry_id)
    if original.status != Entry.Status.POSTED:
        raise Conflict(CORRECT_ONLY_POSTED)
    if original.corrects_id:
        raise Conflict(CORRECTION_OF_CORRECTION)
    reason = (reason or "").strip()
    if not reason:
        raise _field_error("reason", CORRECTION_REASON_REQUIRED)
    points = _decimal(points, "points")
    if points == 0:
        raise _field_error("points", CORRECTION_ZERO)
    _correction_bounds(original, points)
    levels, weights = _review_path(original.rule.scoring_year)
    entry = Entry(
        member=original.member, rule=original.rule, occurred_on=original.occurred_on, points=points, note=reason,
        status=Entry.Status.IN_REVIEW, entered_by_id=actor.pk, lag_days=(township_today() - original.occurred_on).days,
        review_levels=levels, review_weights=weights, current_level="", corrects=original, source=source[:40],
    )
    full_clean_or_raise(entry)
    entry.save()
    audit_record(actor=actor, action="entry.correction_propose", instance=entry,
                 after={**snapshot(entry), "corrects": original.pk, "source": entry.source})
    _start_review_or_post(entry, actor)
    return entry


def resubmission_source(entry_id: int) -> str:
    """The `source` of the entry that resubmits entry `entry_id` (one per returned entry)."""
    return f"resubmit:{entry_id}"


@transaction.atomic
def entry_resubmit(
    *, actor, access: Access, entry_id: int, points, note: str = "", evidence_files=(), keep_evidence: bool = True,
    late_reason: str = "",
) -> Entry:
    """The person who recorded a returned (rejected) entry corrects its points, note or evidence
    and sends it back: a new entry for the same member, item and date (source `resubmit:<id>`)
    goes through every check of `entry_create` and the whole review path again, so the earlier
    decisions stay on record untouched. The old files are cited again unless `keep_evidence` is
    false. Audited on the returned entry (`entry.resubmit`) and on the new one (`entry.create`)."""
    original = _locked_entry(entry_id)  # the lock makes a double click resubmit once
    if not entry_scope_allows(access, original):
        raise NotFound(ENTRY_NOT_FOUND)
    if original.entered_by_id != actor.pk:
        raise PermissionDenied(NOT_YOUR_ENTRY)
    if original.corrects_id:
        raise Conflict(CORRECTIONS_NOT_RESUBMITTED)
    if original.status != Entry.Status.REJECTED:
        raise Conflict(NOT_RETURNED)
    if Entry.objects.filter(source=resubmission_source(original.pk)).exists():
        raise Conflict(ALREADY_RESUBMITTED)
    entry = entry_create(
        actor=actor, access=access, member_id=original.member_id, rule_code=original.rule.code,
        occurred_on=original.occurred_on, points=points, note=note, evidence_files=evidence_files,
        late_reason=late_reason, source=resubmission_source(original.pk),
        kept_evidence=list(original.evidence.all()) if keep_evidence else (),
    )
    audit_record(actor=actor, action="entry.resubmit", instance=original,
                 after={"resubmitted_as": entry.pk, "points": str(entry.points), "note": entry.note})
    return entry


def entry_scope_allows(access: Access, entry: Entry) -> bool:
    return member_scope(access).filter(pk=entry.member_id).exists()


def entry_review_batch(*, actor, access: Access, choices: list[tuple[int, str | None]]) -> dict[int, str | None]:
    """Approve several entries at once, each still its own decision: one `entry_review` call (its
    own transaction, audit event and notifications) per entry, at the level the reviewer saw.
    Returns {entry id: None when approved, else the refusal's message}; one refusal does not undo
    the others."""
    if not choices:
        raise DomainError(BATCH_NOTHING_CHOSEN)
    results: dict[int, str | None] = {}
    for entry_id, level in choices:
        try:
            entry_review(actor=actor, access=access, entry_id=entry_id, decision=APPROVE, level=level or None)
        except DomainError as exc:
            results[entry_id] = str(exc.message)
        else:
            results[entry_id] = None
    return results
