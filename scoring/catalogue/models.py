"""A township's scoring year and its catalogue of rules (localised from the county template).

Rules are versioned: a change creates a new version effective from a date; entries keep
pointing at the version in force on the day their event happened, so the past never changes.
"""
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.choices import AppliesTo, Category, Rating, ReviewLevel


def default_review_levels():
    return [ReviewLevel.BRANCH.value, ReviewLevel.WORK_TEAM.value, ReviewLevel.LIAISON.value]


def default_review_weights():
    return {"branch": "0.3", "work_team": "0.3", "liaison": "0.4"}


class ScoringYear(models.Model):
    """One scoring year of the township: dates, base score, late window and review path."""

    year = models.PositiveSmallIntegerField(_("scoring year"), unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    base_score = models.DecimalField(_("base score"), max_digits=7, decimal_places=2, default=Decimal("60"))
    template_id = models.BigIntegerField(_("county template"), null=True, blank=True)
    late_window_days = models.PositiveSmallIntegerField(_("days before an entry is late"), default=7)
    review_levels = ArrayField(
        models.CharField(max_length=16, choices=ReviewLevel.choices), default=default_review_levels,
        verbose_name=_("review levels"),
    )
    review_weights = models.JSONField(_("review weights"), default=default_review_weights)
    pass_line = models.DecimalField(_("pass line (qualified)"), max_digits=7, decimal_places=2, default=Decimal("60"))
    excellent_line = models.DecimalField(_("excellent line"), max_digits=7, decimal_places=2, default=Decimal("90"))
    basic_line = models.DecimalField(_("basically qualified line"), max_digits=7, decimal_places=2,
                                     default=Decimal("50"))
    adopted_at = models.DateTimeField(_("adopted at"), auto_now_add=True)
    adopted_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("scoring year")

    def __str__(self) -> str:
        return str(self.year)


class Rule(models.Model):
    """One version of a catalogue item in the township's scoring year."""

    scoring_year = models.ForeignKey(ScoringYear, on_delete=models.PROTECT, related_name="rules")
    code = models.CharField(_("code"), max_length=20)
    version = models.PositiveIntegerField(_("version"), default=1)
    template_item_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    points_min = models.DecimalField(_("minimum points"), max_digits=7, decimal_places=2)
    points_max = models.DecimalField(_("maximum points"), max_digits=7, decimal_places=2)
    monthly_cap = models.DecimalField(_("cap per month"), max_digits=7, decimal_places=2, null=True, blank=True)
    yearly_cap = models.DecimalField(_("cap per year"), max_digits=7, decimal_places=2, null=True, blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=True)
    applies_to = models.CharField(_("applies to"), max_length=20, choices=AppliesTo.choices, default=AppliesTo.ALL)
    veto_rating = models.CharField(_("annual rating on veto"), max_length=16, choices=Rating.choices, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["scoring_year", "code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["scoring_year", "code", "version"], name="rule_version_unique"),
            models.CheckConstraint(condition=models.Q(points_min__lte=models.F("points_max")),
                                   name="rule_points_range"),
        ]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_veto(self) -> bool:
        return self.category == Category.VETO
