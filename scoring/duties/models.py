"""Light duties for the bottom of the ranking (轻度履责): the township's list of duties with their
alternatives, the proposals made after each monthly close (and after the year), the secretary's
confirmation and the completion record, and the illness flags secretaries keep."""
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

YEAR_END = 0  # DutyRun.month for the year-end proposal of a scoring year


class Duty(models.Model):
    class Period(models.TextChoices):
        MONTHLY = "monthly", _("Monthly: the branch's bottom three")
        YEAR_END = "year_end", _("Year end: the branch's bottom ten")

    name = models.CharField(_("duty"), max_length=100)
    description = models.TextField(_("what it involves"), blank=True, max_length=2000)
    period = models.CharField(_("for"), max_length=10, choices=Period.choices)
    remote_alternative = models.TextField(
        _("alternative for migrant and special-occupation members"), blank=True, max_length=2000,
        help_text=_("E.g. a remote volunteer task. Empty: such members are exempted, with the reason."))
    care_alternative = models.TextField(
        _("alternative for elderly or ill members"), blank=True, max_length=2000,
        help_text=_("E.g. a light task at home. Empty: such members are exempted, with the reason."))
    is_active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0,
                                                  help_text=_("The first duty in use is proposed."))
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "sort_order", "id"]
        verbose_name = _("light duty")
        verbose_name_plural = _("light duties")

    def __str__(self) -> str:
        return self.name


class MemberIllness(models.Model):
    """A branch secretary's note that a member is ill (with the reason), so duties are adjusted."""

    member = models.OneToOneField("organisation.Member", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), max_length=1000)
    marked_by_id = models.BigIntegerField(null=True, blank=True)
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("illness flag")

    def __str__(self) -> str:
        return f"{self.member_id} {self.reason[:20]}"


class DutyRun(models.Model):
    """One proposal round: a closed month (month 1-12) or a scoring year's end (month 0)."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="+")
    proposals = models.PositiveIntegerField(_("proposals"), default=0)
    run_at = models.DateTimeField(_("proposed at"))

    class Meta:
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="duty_run_unique")]
        verbose_name = _("duty proposal round")

    def __str__(self) -> str:
        return f"{self.year}" if self.month == YEAR_END else f"{self.year}-{self.month:02d}"

    @property
    def is_year_end(self) -> bool:
        return self.month == YEAR_END


class DutyAssignment(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        EXCUSED = "excused", _("Excused")

    class Variant(models.TextChoices):
        STANDARD = "standard", _("The duty")
        ALTERNATIVE = "alternative", _("Alternative for the member's situation")
        EXEMPT = "exempt", _("Exempted")

    run = models.ForeignKey(DutyRun, on_delete=models.PROTECT, related_name="assignments")
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("organisation.Branch", on_delete=models.PROTECT, related_name="+")
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="assignments")
    points = models.DecimalField(_("points"), max_digits=9, decimal_places=2, default=Decimal("0"))
    bottom_rank = models.PositiveIntegerField(_("place from the bottom"))
    branch_members = models.PositiveIntegerField(_("members ranked in the branch"))
    variant = models.CharField(_("variant"), max_length=12, choices=Variant.choices)
    task = models.TextField(_("what the member is asked to do"), blank=True, max_length=2000)
    situation = models.TextField(_("situation"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    due_on = models.DateField(_("to be done by"), null=True, blank=True)
    note = models.TextField(_("secretary's note"), blank=True, max_length=2000)
    confirmed_by_id = models.BigIntegerField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_by_id = models.BigIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(_("completion or excuse note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-run__year", "-run__month", "branch_id", "bottom_rank", "member_id"]
        constraints = [models.UniqueConstraint(fields=["run", "member"], name="duty_assignment_unique")]
        indexes = [models.Index(fields=["status", "branch"], name="duty_assignment_status")]
        verbose_name = _("light-duty assignment")

    def __str__(self) -> str:
        return f"{self.run} {self.member_id} {self.status}"
