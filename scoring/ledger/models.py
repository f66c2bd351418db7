"""Entries (proposed adjustments with evidence and review) and the posted, hash-chained ledger.

`Entry` is the workflow object a clerk or scorer creates. When its review path completes it is
posted as a `LedgerEntry`: append-only (a database trigger rejects UPDATE and DELETE, see
migration 0002) and chained: each row's hash covers the previous row's hash and its own content,
evidence hashes included. A member's points are the sum of their ledger rows.
"""
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.choices import ChoiceDisplay
from scoring.choices import ReviewLevel

GENESIS_HASH = "0" * 64


class Entry(ChoiceDisplay, models.Model):
    class Status(models.TextChoices):
        AWAITING_LATE_APPROVAL = "awaiting_late_approval", _("Late entry awaiting approval")
        IN_REVIEW = "in_review", _("In review")
        POSTED = "posted", _("Posted")
        REJECTED = "rejected", _("Rejected")

    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="point_entries",
                               verbose_name=_("member"))
    rule = models.ForeignKey("catalogue.Rule", on_delete=models.PROTECT, related_name="entries", verbose_name=_("item"))
    occurred_on = models.DateField(_("date it happened"))
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.IN_REVIEW)
    # Late entry (补录): the event is older than the township's window or in a sealed month.
    is_late = models.BooleanField(_("late entry"), default=False)
    late_reason = models.TextField(_("reason for late entry"), blank=True)
    late_decided_by_id = models.BigIntegerField(null=True, blank=True)
    late_decided_at = models.DateTimeField(null=True, blank=True)
    late_decision_note = models.TextField(blank=True)
    # Who entered it, when, and how long after the event.
    entered_by_id = models.BigIntegerField(_("entered by"))
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    lag_days = models.IntegerField(_("days between event and entry"))
    # Review path snapshot at entry time (levels and weights of the scoring year).
    review_levels = ArrayField(models.CharField(max_length=16, choices=ReviewLevel.choices), default=list)
    review_weights = models.JSONField(default=dict)
    current_level = models.CharField(max_length=16, choices=ReviewLevel.choices, blank=True)
    final_points = models.DecimalField(_("final points"), max_digits=7, decimal_places=2, null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # A correcting entry (纠错): proposed by a spot check, a substantiated tip or the office against a
    # posted entry; it goes through the same review path and is posted as its own ledger row
    # (kind "correction"), so the original row is never touched. `source` names what proposed it,
    # e.g. "check:12" or "tip:3".
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="corrections", verbose_name=_("corrects entry"))
    source = models.CharField(_("proposed by"), max_length=40, blank=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        indexes = [
            models.Index(fields=["status", "current_level"], name="entry_queue"),
            models.Index(fields=["member", "occurred_on"], name="entry_member_day"),
            # Entries proposed by a record (meeting, report, honour, ...) are looked up by source.
            models.Index(fields=["source"], name="entry_source", condition=~models.Q(source="")),
        ]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")

    def __str__(self) -> str:
        return f"{self.member_id} {self.rule_id} {self.points} {self.occurred_on}"


class Evidence(models.Model):
    """A photo or PDF supporting an entry. Files are stored per township; the hash is chained."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by_id = models.BigIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name


class Review(ChoiceDisplay, models.Model):
    """One level's decision on an entry."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="reviews")
    level = models.CharField(_("level"), max_length=16, choices=ReviewLevel.choices)
    reviewer_id = models.BigIntegerField(_("reviewer"))
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    score = models.DecimalField(_("points given"), max_digits=7, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "id"]
        constraints = [models.UniqueConstraint(fields=["entry", "level"], name="review_once_per_level")]
        verbose_name = _("review")

    def __str__(self) -> str:
        return f"{self.entry_id} {self.level} {self.decision}"


class LedgerHead(models.Model):
    """The chain's head: one row (pk=1) locked while posting, so rows are chained in order."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # Months up to and including this one (year*12 + month-1) are sealed; -1 when none is.
    # Postings for a sealed month are booked into the first open month instead.
    sealed_through = models.IntegerField(default=-1)

    class Meta:
        verbose_name = _("ledger head")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class LedgerEntry(ChoiceDisplay, models.Model):
    """A posted row of the points ledger. Never updated or deleted (trigger); corrected by reversal."""

    class Kind(models.TextChoices):
        BASE = "base", _("Base score")
        ADJUSTMENT = "adjustment", _("Adjustment")
        REVERSAL = "reversal", _("Reversal")
        CORRECTION = "correction", _("Correction")

    seq = models.BigIntegerField(_("number"), unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="ledger_entries")
    rule = models.ForeignKey("catalogue.Rule", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField(Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="posting")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2)
    occurred_on = models.DateField(_("date it happened"))
    scoring_year = models.PositiveSmallIntegerField(_("scoring year"))
    booked_year = models.PositiveSmallIntegerField(_("booked in year"))
    booked_month = models.PositiveSmallIntegerField(_("booked in month"))
    note = models.TextField(_("note"), blank=True)
    evidence_hashes = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    posted_at = models.DateTimeField(_("posted at"))
    posted_by_id = models.BigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["member", "scoring_year"], name="ledger_member_year"),
            # Covering index: year totals per member (rankings) come from an index-only scan.
            models.Index(fields=["scoring_year", "member"], include=["points"], name="ledger_year_member_points"),
            models.Index(fields=["booked_year", "booked_month"], name="ledger_booked_month"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member", "scoring_year"], condition=models.Q(kind="base"),
                                    name="ledger_one_base_score_per_year"),
        ]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.member_id} {self.points}"


class MemberYearTotal(models.Model):
    """A member's ledger sum for one scoring year: a cache for rankings, never edited by hand.

    `ledger_post` adds each batch's deltas with one atomic upsert in the posting's transaction
    (under the chain head's lock), so it always equals the sum of the member's ledger rows;
    `ledger_verify` recomputes it and reports any difference.
    """

    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    scoring_year = models.PositiveSmallIntegerField(_("scoring year"))
    total = models.DecimalField(_("total points"), max_digits=11, decimal_places=2, default=0)
    rows = models.PositiveIntegerField(_("ledger entries"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "scoring_year"], name="member_year_total_unique")]
        verbose_name = _("member's yearly total")

    def __str__(self) -> str:
        return f"{self.member_id} {self.scoring_year} {self.total}"
