"""Professional Party-building clerks (党建专职) of one township and their placements in villages.

Rules (see `services.py`): each village has 1 to 3 clerks (its required number set by the township
office); a clerk has at most one open placement; no clerk serves in one village more than the county's
`max_years` in total over all placements. The last rule is also enforced by a PostgreSQL trigger
(migration 0002) so that a direct SQL write cannot bypass it.
"""
import math

from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_CLERKS_PER_VILLAGE = 3


def limit_days(max_years: int) -> int:
    """Days of service in one village that `max_years` allows (a year counts 365.25 days).
    The trigger uses the same formula: ceil(max_years * 365.25)."""
    return math.ceil(max_years * 365.25)


class Clerk(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ON_LEAVE = "on_leave", _("On leave")
        ESTABLISHED = "established", _("In an established post")
        REMOVED = "removed", _("Removed")

    class Gender(models.TextChoices):
        FEMALE = "f", _("Female")
        MALE = "m", _("Male")

    user_id = models.BigIntegerField(_("user account"), null=True, blank=True, unique=True)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    home_village = models.ForeignKey("organisation.Village", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("home village"))
    relatives_villages = models.ManyToManyField("organisation.Village", blank=True, related_name="+",
                                                verbose_name=_("villages where relatives live"))
    contract_start = models.DateField(_("contract start"))
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("clerk")
        constraints = [
            models.CheckConstraint(condition=models.Q(contract_end__isnull=True)
                                   | models.Q(contract_end__gte=models.F("contract_start")),
                                   name="clerk_contract_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class Placement(models.Model):
    clerk = models.ForeignKey(Clerk, on_delete=models.PROTECT, related_name="placements")
    village = models.ForeignKey("organisation.Village", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("village"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("placement")
        indexes = [models.Index(fields=["village", "starts_on"]), models.Index(fields=["clerk", "village"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__isnull=True)
                                   | models.Q(ends_on__gte=models.F("starts_on")), name="placement_dates"),
            models.UniqueConstraint(fields=["clerk"], condition=models.Q(ends_on__isnull=True),
                                    name="placement_one_open_per_clerk"),
        ]

    def __str__(self) -> str:
        return f"{self.clerk_id}@{self.village_id} {self.starts_on}–{self.ends_on or ''}"

    def days(self, until=None) -> int:
        end = self.ends_on or until or self.starts_on
        return (end - self.starts_on).days + 1


class VillageStaffing(models.Model):
    """How many clerks a village needs (1 to 3), set by the township office from its size."""

    village = models.OneToOneField("organisation.Village", on_delete=models.CASCADE, related_name="staffing",
                                   primary_key=True)
    required = models.PositiveSmallIntegerField(_("clerks required"), default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("village staffing")
        constraints = [models.CheckConstraint(condition=models.Q(required__gte=1, required__lte=MAX_CLERKS_PER_VILLAGE),
                                              name="village_required_1_to_3")]

    def __str__(self) -> str:
        return f"{self.village_id}: {self.required}"


class RotationPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("rotation plan")

    def __str__(self) -> str:
        return f"plan {self.pk} ({self.status})"


class RotationMove(models.Model):
    plan = models.ForeignKey(RotationPlan, on_delete=models.CASCADE, related_name="moves")
    clerk = models.ForeignKey(Clerk, on_delete=models.PROTECT, related_name="+")
    from_village = models.ForeignKey("organisation.Village", on_delete=models.PROTECT, related_name="+")
    to_village = models.ForeignKey("organisation.Village", on_delete=models.PROTECT, related_name="+")
    moves_on = models.DateField(_("moves on"))
    applied = models.BooleanField(default=False)

    class Meta:
        ordering = ["moves_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "clerk"], name="rotation_move_once_per_plan")]

    def __str__(self) -> str:
        return f"{self.clerk_id}: {self.from_village_id}->{self.to_village_id} {self.moves_on}"
