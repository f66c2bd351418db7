"""The scoring year's rhythm: monthly close, quarterly publication with objections,
semi-annual democratic appraisal and annual rating."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.choices import Rating


class MonthClose(models.Model):
    """A closed and sealed calendar month of the township's ledger."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    scoring_year = models.PositiveSmallIntegerField(_("scoring year"))
    head_seq = models.BigIntegerField(_("last entry number"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    entry_count = models.PositiveIntegerField(_("entries in month"))
    closed_at = models.DateTimeField(_("closed at"))
    closed_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="month_close_unique")]
        verbose_name = _("monthly close")

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class MemberMonthScore(models.Model):
    close = models.ForeignKey(MonthClose, on_delete=models.PROTECT, related_name="member_scores")
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("organisation.Branch", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points this month"), max_digits=9, decimal_places=2)
    year_to_date = models.DecimalField(_("points this scoring year"), max_digits=9, decimal_places=2)
    rank_in_branch = models.PositiveIntegerField(_("rank in branch"))

    class Meta:
        ordering = ["close", "branch", "rank_in_branch"]
        constraints = [models.UniqueConstraint(fields=["close", "member"], name="member_month_unique")]

    def __str__(self) -> str:
        return f"{self.close} {self.member_id} {self.points}"


class BranchMonthTotal(models.Model):
    close = models.ForeignKey(MonthClose, on_delete=models.PROTECT, related_name="branch_totals")
    branch = models.ForeignKey("organisation.Branch", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points this month"), max_digits=11, decimal_places=2)
    members = models.PositiveIntegerField(_("members"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["close", "branch"], name="branch_month_unique")]

    def __str__(self) -> str:
        return f"{self.close} {self.branch_id} {self.points}"


class Publication(models.Model):
    """A frozen, versioned quarterly notice (公示) of members' points per branch."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for objections")
        CLOSED = "closed", _("Closed")
        SUPERSEDED = "superseded", _("Superseded by a newer version")

    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("published at"))
    objections_close_at = models.DateTimeField(_("objections close at"))
    data = models.JSONField(_("notice content"))
    head_seq = models.BigIntegerField(_("ledger position"))
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    created_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-quarter", "-version"]
        constraints = [models.UniqueConstraint(fields=["year", "quarter", "version"], name="publication_version")]
        verbose_name = _("quarterly publication")

    def __str__(self) -> str:
        return f"{self.year} Q{self.quarter} v{self.version}"


class Objection(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting answer")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="objections")
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("member concerned"))
    raised_by_id = models.BigIntegerField()
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    answer_due_at = models.DateTimeField(_("answer due"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by_id = models.BigIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    correction = models.OneToOneField("ledger.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="objection")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("objection")

    def __str__(self) -> str:
        return f"{self.publication} {self.member_id} {self.status}"


class Appraisal(models.Model):
    """Semi-annual democratic appraisal (民主评议) result of one member."""

    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half"), choices=[(1, _("First half")), (2, _("Second half"))])
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=16, choices=Rating.choices)
    votes_excellent = models.PositiveIntegerField(_("votes: excellent"), default=0)
    votes_qualified = models.PositiveIntegerField(_("votes: qualified"), default=0)
    votes_basic = models.PositiveIntegerField(_("votes: basically qualified"), default=0)
    votes_unqualified = models.PositiveIntegerField(_("votes: unqualified"), default=0)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "half", "member"], name="appraisal_unique")]
        verbose_name = _("democratic appraisal")

    def __str__(self) -> str:
        return f"{self.year}H{self.half} {self.member_id} {self.result}"


class AnnualRating(models.Model):
    year = models.PositiveSmallIntegerField(_("scoring year"))
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    total_points = models.DecimalField(_("total points"), max_digits=9, decimal_places=2)
    appraisal_result = models.CharField(_("appraisal"), max_length=16, choices=Rating.choices, blank=True)
    vetoed = models.BooleanField(_("one-vote veto"), default=False)
    rating = models.CharField(_("rating"), max_length=16, choices=Rating.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    rated_at = models.DateTimeField(_("rated at"))
    # Set when the office finalises the year; a trigger (migration 0003) then refuses any UPDATE
    # or DELETE of the row, so later corrections can only be RatingAmendment rows.
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "member"], name="annual_rating_unique")]
        verbose_name = _("annual rating")

    def __str__(self) -> str:
        return f"{self.year} {self.member_id} {self.rating}"


class RatingYear(models.Model):
    """The state of a scoring year's rating: run (with the override, if the office used one) and
    finalised. Locked by the same trigger as the ratings once finalised."""

    year = models.PositiveSmallIntegerField(_("scoring year"), unique=True)
    rated_at = models.DateTimeField(_("rated at"))
    rated_by_id = models.BigIntegerField(null=True, blank=True)
    members_rated = models.PositiveIntegerField(_("members rated"), default=0)
    override_reason = models.TextField(_("reason for rating without every appraisal"), blank=True)
    override_missing = models.JSONField(_("what was missing at the override"), default=list, blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("rating year")

    def __str__(self) -> str:
        return str(self.year)


class RatingOutcome(models.Model):
    """What the rating leads to: a commendation of an excellent member, or an organisational
    disposal (组织处置) proposal for an unqualified one, with its document once decided."""

    class Kind(models.TextChoices):
        COMMENDATION = "commendation", _("Commendation")
        SANCTION = "sanction", _("Organisational disposal (组织处置)")

    class Measure(models.TextChoices):
        COMMEND = "commend", _("Commended as an outstanding member")
        CORRECT = "correct", _("Correct within a time limit (限期改正)")
        PERSUADE = "persuade", _("Persuaded to leave the Party (劝其退党)")
        REMOVE = "remove", _("Removed from the Party rolls (除名)")

    year = models.PositiveSmallIntegerField(_("scoring year"))
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    decided_on = models.DateField(_("date of decision"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=100, blank=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year", "kind", "member_id"]
        constraints = [models.UniqueConstraint(fields=["year", "member"], name="rating_outcome_unique")]
        verbose_name = _("rating outcome")

    def __str__(self) -> str:
        return f"{self.year} {self.member_id} {self.kind}"

    @property
    def decided(self) -> bool:
        return bool(self.document_number)


class RatingAmendment(models.Model):
    """A recorded correction of a finalised rating (append-only): the effective rating is the
    latest amendment's `after`."""

    year = models.PositiveSmallIntegerField(_("scoring year"))
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    before = models.CharField(_("rating before"), max_length=16, choices=Rating.choices)
    after = models.CharField(_("rating after"), max_length=16, choices=Rating.choices)
    reason = models.TextField(_("reason"))
    document_number = models.CharField(_("document number"), max_length=60)
    decided_on = models.DateField(_("date of decision"))
    actor_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year", "member_id", "id"]
        verbose_name = _("rating amendment")

    def __str__(self) -> str:
        return f"{self.year} {self.member_id} {self.before}->{self.after}"
