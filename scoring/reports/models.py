"""Thought reports (思想汇报) and study notes from members away (migrants, seafarers).

A member away submits a report for a quarter from a phone; the branch (a clerk or branch
secretary in scope, or the township office) accepts it, which proposes one points entry through
the normal review path (`Entry.source == "report:<id>"`, `Report.entry` is one-to-one), or returns
it with a reason, after which the member may submit again for the same quarter (a new report).
"""
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    THOUGHT = "thought", _("Thought report")
    STUDY = "study", _("Study note")


class ReportRule(models.Model):
    """The township's mapping of a report kind to a catalogue item code and the points proposed.

    Missing rows fall back to `selectors.DEFAULT_RULES` (the demo county's catalogue codes)."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices, unique=True)
    rule_code = models.CharField(_("catalogue item code"), max_length=20)
    points = models.DecimalField(_("points proposed"), max_digits=7, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    updated_by_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("report item mapping")

    def __str__(self) -> str:
        return f"{self.kind} → {self.rule_code}"


class Report(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the branch")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="away_reports",
                               verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=20000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by_id = models.BigIntegerField()
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_on = models.DateField(_("submitted on"))
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    # The entry proposed on acceptance: one-to-one, so a report never has two entries.
    entry = models.OneToOneField("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="away_report")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("report from a member away")
        verbose_name_plural = _("reports from members away")
        indexes = [models.Index(fields=["status", "submitted_at"], name="report_queue"),
                   models.Index(fields=["member", "year", "quarter"], name="report_member_quarter")]
        constraints = [
            # One live report per member, kind and quarter; a returned one may be submitted again.
            models.UniqueConstraint(fields=["member", "kind", "year", "quarter"], condition=~Q(status="returned"),
                                    name="report_one_live_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.year}Q{self.quarter}"


class ReportPhoto(models.Model):
    """A photo or PDF attached to a report, checked like evidence (`scoring.ledger.evidence`)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_id = models.BigIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("report photo")

    def __str__(self) -> str:
        return self.original_name
