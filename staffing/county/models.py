"""The county's staffing policy (public schema): one row, read through `staffing_policy_get`."""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# The report's rule: no clerk stays in one village more than three years; a county may be stricter.
MAX_YEARS_CEILING = 3


class StaffingPolicy(models.Model):
    max_years = models.PositiveSmallIntegerField(
        _("most years a clerk serves in one village"), default=MAX_YEARS_CEILING,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_YEARS_CEILING)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("county staffing policy")
        constraints = [models.CheckConstraint(condition=models.Q(max_years__gte=1, max_years__lte=MAX_YEARS_CEILING),
                                              name="staffing_max_years_1_to_3")]

    def __str__(self) -> str:
        return str(_("county staffing policy"))


def staffing_policy_get() -> StaffingPolicy:
    policy = StaffingPolicy.objects.filter(pk=1).first()
    return policy or StaffingPolicy(pk=1)


class AppraisalTemplate(models.Model):
    """The county's appraisal template (one row): period length and the weights of the components.

    Weights are whole percentages summing to 100 (checked by `appraisal_template_set`)."""

    class PeriodKind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    period_kind = models.CharField(_("appraisal period"), max_length=10, choices=PeriodKind.choices,
                                   default=PeriodKind.MONTHLY)
    weights = models.JSONField(_("weights"), default=dict)
    # grade -> {"min": lowest score, "coefficient": performance coefficient}; empty: `calc.DEFAULT_GRADES`
    grades = models.JSONField(_("grades and coefficients"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("county appraisal template")

    def __str__(self) -> str:
        return str(_("county appraisal template"))


class PayPolicy(models.Model):
    """The county's pay policy for one calendar year. Amounts in yuan (Decimal, 2 places)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    base_pay = models.DecimalField(_("base pay"), max_digits=9, decimal_places=2)
    # grade -> monthly allowance, e.g. {"A": "800.00", "B": "600.00", "C": "400.00", "D": "0.00"}
    allowances = models.JSONField(_("allowance per grade"), default=dict)
    performance_base = models.DecimalField(_("performance pay at coefficient 1"), max_digits=9, decimal_places=2)
    floor = models.DecimalField(_("floor (section-member standard)"), max_digits=9, decimal_places=2)
    pension_rate = models.DecimalField(_("pension insurance rate"), max_digits=5, decimal_places=4, default=0)
    medical_rate = models.DecimalField(_("medical insurance rate"), max_digits=5, decimal_places=4, default=0)
    unemployment_rate = models.DecimalField(_("unemployment insurance rate"), max_digits=5, decimal_places=4,
                                            default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("county pay policy")
        constraints = [models.CheckConstraint(condition=models.Q(base_pay__gte=0, performance_base__gte=0, floor__gte=0),
                                              name="pay_policy_amounts_not_negative")]

    def __str__(self) -> str:
        return f"{self.year}"


class PayException(models.Model):
    """A documented exception letting one clerk's month be paid below the floor; only an approved one counts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    township_code = models.CharField(_("township"), max_length=40)
    clerk_id = models.BigIntegerField(_("clerk"))
    clerk_name = models.CharField(_("clerk's name"), max_length=50, blank=True)  # copied when requested
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pay floor exception")
        constraints = [models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12),
                                              name="pay_exception_month")]

    def __str__(self) -> str:
        return f"{self.township_code}:{self.clerk_id} {self.year}-{self.month:02d} {self.status}"


def appraisal_template_get() -> AppraisalTemplate:
    return AppraisalTemplate.objects.filter(pk=1).first() or AppraisalTemplate(pk=1)


def pay_policy_get(year: int) -> PayPolicy | None:
    return PayPolicy.objects.filter(year=year).first()


class CareerProposal(models.Model):
    """The township office's proposal to move a clerk into an established post (事业编制) or to remove
    them, and the county's decision on it (issue 10 item 6).

    Kept in the public schema so that the county sees every township's proposals in one query; the
    township and the clerk are named by id (no foreign key into a township schema), with the clerk's
    name and account id and the appraisal history copied in when proposed (the basis as it was)."""

    class Kind(models.TextChoices):
        ESTABLISH = "establish", _("Established post")
        REMOVE = "remove", _("Removal")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    township = models.ForeignKey("townships.Township", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("township"))
    clerk_id = models.BigIntegerField(_("clerk"))
    clerk_name = models.CharField(_("clerk's name"), max_length=50)
    clerk_user_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(_("proposal"), max_length=10, choices=Kind.choices)
    basis = models.TextField(_("basis of the proposal"))
    appraisal_history = models.JSONField(_("appraisal history"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by_id = models.BigIntegerField(null=True, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"))
    decision_basis = models.TextField(_("basis of the decision"), blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("career proposal")
        indexes = [models.Index(fields=["township", "clerk_id"]), models.Index(fields=["status", "proposed_at"])]
        constraints = [
            models.UniqueConstraint(fields=["township", "clerk_id"], condition=models.Q(status="pending"),
                                    name="career_one_pending_per_clerk"),
            models.CheckConstraint(condition=models.Q(status="pending")
                                   | (models.Q(decision_date__isnull=False, decided_at__isnull=False)
                                      & ~models.Q(decision_basis="")),
                                   name="career_decided_has_date_and_basis"),
        ]

    def __str__(self) -> str:
        return f"{self.township_id}:{self.clerk_id} {self.kind} {self.status}"

    @property
    def outcome_status(self) -> str:
        """The clerk status an approval gives."""
        return "established" if self.kind == self.Kind.ESTABLISH else "removed"
