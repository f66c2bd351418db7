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
