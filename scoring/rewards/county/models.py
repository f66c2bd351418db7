"""The county's part of the rewards (public schema).

- `HonourTemplate` (one per scoring year) with its `HonourKind` rows: the kinds of honour the county
  recognises, the points each issuing level is worth, the catalogue item the points are booked
  under, the honour-point thresholds of the star tiers and the tier a veto caps at.
- `StarRuleVersion` with its `StarCondition` rows: the Party-member Star (党员之星) rule per year.
  Versions are immutable (a database trigger refuses UPDATE and DELETE): a change is a new version,
  and a year's evaluation uses the latest version of that year.
- `SubmittedShortlist` with `SubmittedCandidate`: a township's shortlist as submitted to the county,
  locked the same way. Townships are referred to by the tenant row (public), members by id.

Every figure is a plain column so a county rollup can read them in SQL.
"""
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.rewards.choices import Condition, Level, ShortlistKind, Tier


def _points(label, default):
    return models.DecimalField(label, max_digits=6, decimal_places=2, default=Decimal(default))


class HonourTemplate(models.Model):
    year = models.PositiveSmallIntegerField(_("scoring year"), unique=True)
    rule_code = models.CharField(_("catalogue item for honour points"), max_length=20, default="RY01")
    village_points = _points(_("points: village level"), "1")
    township_points = _points(_("points: township level"), "2")
    county_points = _points(_("points: county level"), "4")
    city_points = _points(_("points: city level"), "6")
    province_points = _points(_("points: province level"), "10")
    # Honour points (the sum of the points of a member's verified honours of the year) a tier needs.
    one_star = _points(_("one-star from"), "1")
    two_star = _points(_("two-star from"), "3")
    three_star = _points(_("three-star from"), "6")
    four_star = _points(_("four-star from"), "10")
    five_star = _points(_("five-star from"), "15")
    outstanding = _points(_("outstanding from"), "20")
    veto_tier_cap = models.PositiveSmallIntegerField(_("highest tier under a one-vote veto"), choices=Tier.choices,
                                                     default=Tier.NONE)
    shortlist_size = models.PositiveSmallIntegerField(_("candidates per township shortlist"), default=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("honour template")
        constraints = [models.CheckConstraint(
            condition=models.Q(one_star__gt=0, two_star__gte=models.F("one_star"),
                               three_star__gte=models.F("two_star"), four_star__gte=models.F("three_star"),
                               five_star__gte=models.F("four_star"), outstanding__gte=models.F("five_star")),
            name="honour_template_thresholds_rise")]

    def __str__(self) -> str:
        return str(self.year)

    def points_for(self, level: str) -> Decimal:
        return getattr(self, f"{level}_points")

    def thresholds(self) -> list[tuple[int, Decimal]]:
        """(tier, honour points needed), highest tier first."""
        return [(Tier.OUTSTANDING, self.outstanding), (Tier.FIVE, self.five_star), (Tier.FOUR, self.four_star),
                (Tier.THREE, self.three_star), (Tier.TWO, self.two_star), (Tier.ONE, self.one_star)]


class HonourKind(models.Model):
    template = models.ForeignKey(HonourTemplate, on_delete=models.CASCADE, related_name="kinds")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="honour_kind_code_unique")]
        verbose_name = _("honour kind")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StarRuleVersion(models.Model):
    year = models.PositiveSmallIntegerField(_("scoring year"))
    version = models.PositiveIntegerField(_("version"))
    note = models.TextField(_("what changed and why"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-version"]
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="star_rule_version_unique")]
        verbose_name = _("Party-member Star rule version")

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"


class StarCondition(models.Model):
    """One condition of a rule version. Conditions of one group must all hold (AND); the rule holds
    when any group holds (OR). Parameters are plain columns, used by the condition's code."""

    rule_version = models.ForeignKey(StarRuleVersion, on_delete=models.PROTECT, related_name="conditions")
    group = models.PositiveSmallIntegerField(_("group"), default=1)
    code = models.CharField(_("condition"), max_length=16, choices=Condition.choices)
    min_count = models.PositiveSmallIntegerField(_("at least this many honours"), null=True, blank=True)
    kinds = ArrayField(models.CharField(max_length=20), default=list, blank=True,
                       verbose_name=_("honour kinds (empty: any)"))
    min_level = models.CharField(_("issued at level or above"), max_length=10, choices=Level.choices, blank=True)
    min_tier = models.PositiveSmallIntegerField(_("tier at least"), choices=Tier.choices, null=True, blank=True)
    top_percent = models.DecimalField(_("top share of the branch (%)"), max_digits=5, decimal_places=2, null=True,
                                      blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["rule_version", "group", "sort_order", "id"]
        verbose_name = _("Party-member Star condition")

    def __str__(self) -> str:
        return f"{self.rule_version_id} g{self.group} {self.code}"


class SubmittedShortlist(models.Model):
    township = models.ForeignKey("townships.Township", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("township"))
    kind = models.CharField(_("award"), max_length=10, choices=ShortlistKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    local_id = models.BigIntegerField(_("shortlist in the township"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "kind", "township"]
        constraints = [models.UniqueConstraint(fields=["township", "kind", "year"], name="submitted_shortlist_once")]
        verbose_name = _("submitted shortlist")

    def __str__(self) -> str:
        return f"{self.township_id} {self.kind} {self.year}"


class SubmittedCandidate(models.Model):
    shortlist = models.ForeignKey(SubmittedShortlist, on_delete=models.PROTECT, related_name="candidates")
    position = models.PositiveSmallIntegerField(_("position"))
    member_id = models.BigIntegerField(_("member"))
    member_name = models.CharField(_("name"), max_length=100)
    branch_name = models.CharField(_("branch"), max_length=200)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    eligible = models.BooleanField(_("Party-member Star eligible"))
    year_points = models.DecimalField(_("points this year"), max_digits=9, decimal_places=2)
    best_rank = models.PositiveIntegerField(_("best monthly rank in branch"), null=True)
    rating = models.CharField(_("annual rating"), max_length=16, blank=True)
    honour_count = models.PositiveSmallIntegerField(_("verified honours"))
    reason = models.TextField(_("why shortlisted"))

    class Meta:
        ordering = ["shortlist", "position"]
        constraints = [models.UniqueConstraint(fields=["shortlist", "member_id"], name="submitted_candidate_once")]
        verbose_name = _("submitted candidate")

    def __str__(self) -> str:
        return f"{self.shortlist_id} {self.member_name}"
