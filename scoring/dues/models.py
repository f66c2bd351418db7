"""Party dues (党费) of a township: each member's dues base, exemptions, and the payments ledger.

Bases and payments are append-only (a database trigger rejects UPDATE, DELETE and TRUNCATE, see
migration 0002): a new base applies from its month on; a wrong payment is corrected by a new
line (`kind="correction"`, negative or positive, with a reason) pointing at it.
"""
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from scoring.dues.county.selectors import Basis

MONTH = [MinValueValidator(1), MaxValueValidator(12)]


class DuesBase(models.Model):
    """A member's dues base from a month on (the latest row in force wins); set by the township office."""

    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="dues_bases",
                               verbose_name=_("member"))
    basis = models.CharField(_("basis"), max_length=16, choices=Basis.choices)
    monthly_income = models.DecimalField(_("monthly income (yuan)"), max_digits=9, decimal_places=2, null=True,
                                         blank=True, validators=[MinValueValidator(Decimal("0"))])
    monthly_amount = models.DecimalField(_("monthly dues (yuan)"), max_digits=9, decimal_places=2,
                                         validators=[MinValueValidator(Decimal("0"))])
    effective_from = models.DateField(_("from month"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_by_id = models.BigIntegerField()
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member", "-effective_from", "-id"]
        indexes = [models.Index(fields=["member", "effective_from"], name="dues_base_member_month")]
        constraints = [models.CheckConstraint(condition=Q(effective_from__day=1), name="dues_base_first_of_month")]
        verbose_name = _("dues base")

    def __str__(self) -> str:
        return f"{self.member_id} {self.monthly_amount} {self.effective_from:%Y-%m}"


class DuesExemption(models.Model):
    """Months a member owes no dues (hardship, or elderly), decided by the township office."""

    class Reason(models.TextChoices):
        HARDSHIP = "hardship", _("Hardship")
        ELDERLY = "elderly", _("Elderly")

    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="dues_exemptions",
                               verbose_name=_("member"))
    reason_kind = models.CharField(_("ground"), max_length=16, choices=Reason.choices)
    reason = models.CharField(_("reason"), max_length=300)
    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"))
    decided_by_id = models.BigIntegerField()
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member", "-first_month", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(first_month__day=1, last_month__day=1), name="dues_exemption_months"),
            models.CheckConstraint(condition=Q(first_month__lte=F("last_month")), name="dues_exemption_order"),
        ]
        verbose_name = _("dues exemption")

    def __str__(self) -> str:
        return f"{self.member_id} {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"


class DuesPayment(models.Model):
    """One line of the dues ledger: a payment the clerk recorded, or a correction of one."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        CORRECTION = "correction", _("Correction")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        TRANSFER = "transfer", _("Transfer")

    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="dues_payments",
                               verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PAYMENT)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=9, decimal_places=2)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    first_month = models.PositiveSmallIntegerField(_("first month covered"), validators=MONTH)
    last_month = models.PositiveSmallIntegerField(_("last month covered"), validators=MONTH)
    paid_on = models.DateField(_("paid on"))
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections",
                                 verbose_name=_("corrects"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    recorded_by_id = models.BigIntegerField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["member", "year"], name="dues_payment_member_year"),
                   models.Index(fields=["paid_on"], name="dues_payment_paid_on")]
        constraints = [
            models.UniqueConstraint(fields=["receipt_number"], condition=~Q(receipt_number=""),
                                    name="dues_receipt_unique"),
            models.CheckConstraint(condition=Q(first_month__lte=F("last_month")), name="dues_payment_months"),
            models.CheckConstraint(condition=~Q(amount=0), name="dues_payment_nonzero"),
            models.CheckConstraint(condition=Q(kind="correction") | Q(amount__gt=0), name="dues_payment_positive"),
        ]
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")

    def __str__(self) -> str:
        return f"{self.receipt_number or self.kind} {self.member_id} {self.amount}"
