"""Appraisal of clerks per period and their monthly pay (township schema).

An `Appraisal` holds the objective signals computed from the clerk's ledger entries and spot-check
findings (never typed), the office's scores, the weighted total, a grade and a performance
coefficient. A `PaySheet` holds one `PayLine` per clerk and month; once approved its lines are
frozen by a PostgreSQL trigger (migration 0002): corrections are new lines (`corrects`).
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppraisalPeriod(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    kind = models.CharField(_("kind"), max_length=10)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("appraisal period")
        constraints = [
            models.UniqueConstraint(fields=["starts_on"], name="appraisal_period_once"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                   name="appraisal_period_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on}"


class Appraisal(models.Model):
    class Grade(models.TextChoices):
        A = "A", _("Excellent")
        B = "B", _("Good")
        C = "C", _("Pass")
        D = "D", _("Fail")

    period = models.ForeignKey(AppraisalPeriod, on_delete=models.PROTECT, related_name="appraisals")
    clerk = models.ForeignKey("clerks.Clerk", on_delete=models.PROTECT, related_name="appraisals")
    signals = models.JSONField(_("computed signals"), default=dict)
    office_scores = models.JSONField(_("office scores"), default=dict)
    components = models.JSONField(_("components"), default=dict)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    coefficient = models.DecimalField(_("performance coefficient"), max_digits=4, decimal_places=2)
    appraised_by_id = models.BigIntegerField(null=True, blank=True)
    appraised_at = models.DateTimeField()
    clerk_comment = models.TextField(_("clerk's comment"), blank=True)

    class Meta:
        ordering = ["-period__starts_on", "clerk__name"]
        verbose_name = _("appraisal")
        constraints = [models.UniqueConstraint(fields=["period", "clerk"], name="appraisal_once_per_period")]

    def __str__(self) -> str:
        return f"{self.clerk_id} {self.period_id} {self.grade}"


class PaySheet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    prepared_at = models.DateTimeField()
    approved_by_id = models.BigIntegerField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-month"]
        verbose_name = _("pay sheet")
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="pay_sheet_once_per_month"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="pay_sheet_month"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} ({self.status})"


class PayLine(models.Model):
    sheet = models.ForeignKey(PaySheet, on_delete=models.PROTECT, related_name="lines")
    clerk = models.ForeignKey("clerks.Clerk", on_delete=models.PROTECT, related_name="pay_lines")
    appraisal = models.ForeignKey(Appraisal, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("grade"), max_length=1)
    coefficient = models.DecimalField(_("performance coefficient"), max_digits=4, decimal_places=2)
    base = models.DecimalField(_("base pay"), max_digits=9, decimal_places=2)
    allowance = models.DecimalField(_("allowance"), max_digits=9, decimal_places=2)
    performance = models.DecimalField(_("performance pay"), max_digits=9, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2)
    social_insurance = models.DecimalField(_("social insurance (employee)"), max_digits=9, decimal_places=2)
    exception_id = models.BigIntegerField(_("floor exception"), null=True, blank=True)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sheet", "clerk__name", "pk"]
        verbose_name = _("pay line")

    def __str__(self) -> str:
        return f"{self.sheet_id} {self.clerk_id} {self.total}"
