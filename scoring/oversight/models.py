"""Monthly spot-check draws, the checks they create, and what the checkers found (issue 8).

A `Draw` is committed before its month (the SHA-256 of a secret seed is published) and drawn
once at draw time (the seed is revealed and combined with a public value); a database trigger
(migration 0002) refuses to change the commitment, or the seed and result once revealed.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class TownshipOversightPolicy(models.Model):
    """A township's own share for a scoring year: it may only raise the county's minimum."""

    year = models.PositiveSmallIntegerField(_("scoring year"), unique=True)
    min_share = models.DecimalField(_("share of villages drawn each month"), max_digits=5, decimal_places=4)
    updated_by_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("township spot-check share")

    def __str__(self) -> str:
        return f"{self.year} {self.min_share}"


class Draw(models.Model):
    class Status(models.TextChoices):
        COMMITTED = "committed", _("Committed")
        DRAWN = "drawn", _("Drawn")

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.COMMITTED)
    commitment = models.CharField(_("commitment (SHA-256 of the seed)"), max_length=64)
    # The secret seed: stored from the start, shown only once drawn.
    seed = models.CharField(max_length=64)
    committed_at = models.DateTimeField(_("committed at"))
    algorithm = models.CharField(_("algorithm"), max_length=32, blank=True)
    public_value_source = models.CharField(_("public value from"), max_length=12, blank=True)
    public_value = models.CharField(_("public value"), max_length=64, blank=True)
    seal_lines = models.JSONField(default=list, blank=True)
    override = models.CharField(max_length=200, blank=True)
    override_source = models.CharField(max_length=200, blank=True)
    share = models.CharField(_("share"), max_length=16, blank=True)
    villages = models.JSONField(default=list, blank=True)  # [{"code", "id", "name"}] eligible, sorted by code
    forced = models.JSONField(default=list, blank=True)  # [{"code", "reason"}]
    drawn_codes = models.JSONField(default=list, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="draw_one_per_month")]
        verbose_name = _("spot-check draw")

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class Check(models.Model):
    class Kind(models.TextChoices):
        DRAWN = "drawn", _("Monthly draw")
        UNANNOUNCED = "unannounced", _("Unannounced check")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    draw = models.ForeignKey(Draw, null=True, blank=True, on_delete=models.PROTECT, related_name="checks")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    village = models.ForeignKey("organisation.Village", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("village"))
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    due_on = models.DateField(_("due on"))
    opened_by_id = models.BigIntegerField(null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-year", "-month", "village__code", "id"]
        constraints = [models.UniqueConstraint(fields=["draw", "village"], name="check_once_per_draw_village")]
        verbose_name = _("spot check")

    def __str__(self) -> str:
        return f"{self.pk} {self.village_id} {self.year}-{self.month:02d}"


class CheckTeamMember(models.Model):
    check_obj = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="team", db_column="check_id")
    user_id = models.BigIntegerField()
    role = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["check_obj", "user_id"], name="check_team_unique")]

    def __str__(self) -> str:
        return f"{self.check_obj_id} {self.user_id}"


class CheckMember(models.Model):
    check_obj = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="members", db_column="check_id")
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    is_key = models.BooleanField(default=False)
    key_reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["check_obj", "position"]
        constraints = [models.UniqueConstraint(fields=["check_obj", "member"], name="check_member_unique")]

    def __str__(self) -> str:
        return f"{self.check_obj_id} {self.member_id}"


class Finding(models.Model):
    """What the team found about one ledger entry of a checked member."""

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        DISCREPANCY = "discrepancy", _("Discrepancy")

    class Reason(models.TextChoices):
        NOT_HAPPENED = "not_happened", _("Did not happen")
        POINTS_WRONG = "points_wrong", _("Points wrong")
        NO_EVIDENCE = "no_evidence", _("No evidence")
        FAVOUR = "favour", _("Favour points")
        OTHER = "other", _("Other")

    check_obj = models.ForeignKey(Check, on_delete=models.PROTECT, related_name="findings", db_column="check_id")
    entry = models.ForeignKey("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    reason = models.CharField(_("discrepancy"), max_length=16, choices=Reason.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    correction = models.ForeignKey("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by_id = models.BigIntegerField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["check_obj", "id"]
        constraints = [models.UniqueConstraint(fields=["check_obj", "entry"], name="finding_once_per_entry")]
        verbose_name = _("finding")

    def __str__(self) -> str:
        return f"{self.check_obj_id} {self.entry_id} {self.result}"


class FindingPhoto(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to="checks/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.original_name
