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


# --- County reward rollups (issue 12, item 7) -------------------------------------------------------

def _money(label, default="0"):
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=Decimal(default))


class RewardPolicy(models.Model):
    """The county's reward policy of a year: the budget and the special fund, and how the budget
    splits between townships. A township's weight is
    `per_star × eligible Party-member Stars + per_tier_level × (sum of its members' tier levels)
    + per_candidate × shortlist candidates + per_branch × outstanding branches`; the budget is
    shared in proportion to the weights, the special fund in proportion to the fair (objective)
    scorers. Amounts are rounded ROUND_HALF_UP to 0.01; the remainder of the rounding goes to the
    largest share so the shares sum exactly to the total."""

    year = models.PositiveSmallIntegerField(_("scoring year"), unique=True)
    budget = _money(_("total reward budget"))
    special_fund = _money(_("special fund for objective scorers"))
    per_star = _money(_("weight per Party-member Star"), "10")
    per_tier_level = _money(_("weight per tier level"), "1")
    per_candidate = _money(_("weight per shortlist candidate"), "2")
    per_branch = _money(_("weight per outstanding branch"), "5")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("county reward policy")
        constraints = [models.CheckConstraint(
            condition=models.Q(budget__gte=0, special_fund__gte=0, per_star__gte=0, per_tier_level__gte=0,
                               per_candidate__gte=0, per_branch__gte=0),
            name="reward_policy_not_negative")]

    def __str__(self) -> str:
        return str(self.year)


class RollupRun(models.Model):
    """One county rollup of a period (year and award kind); at most one per period. The beat job
    creates it, fills it once (RUNNING → COLLECTED) and the county approves it (→ APPROVED,
    locked)."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        COLLECTED = "collected", _("Collected, awaiting approval")
        APPROVED = "approved", _("Approved")

    year = models.PositiveSmallIntegerField(_("scoring year"))
    kind = models.CharField(_("period"), max_length=10, choices=ShortlistKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    statements = models.PositiveIntegerField(_("statements used to read the townships"), default=0)
    fallback = models.BooleanField(_("read township by township"), default=False)
    budget = _money(_("budget allocated"))
    special_fund = _money(_("special fund allocated"))
    policy = models.JSONField(_("policy used"), default=dict)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by_id = models.BigIntegerField(null=True, blank=True)
    approval_note = models.TextField(_("approval note"), blank=True)

    class Meta:
        ordering = ["-year", "kind"]
        constraints = [models.UniqueConstraint(fields=["year", "kind"], name="rollup_run_once_per_period")]
        verbose_name = _("county reward rollup")

    def __str__(self) -> str:
        return f"{self.year} {self.kind}"


class RollupTownship(models.Model):
    """A township's results in a rollup (or the error that kept them out), its rank and its shares."""

    run = models.ForeignKey(RollupRun, on_delete=models.CASCADE, related_name="townships")
    township = models.ForeignKey("townships.Township", on_delete=models.PROTECT, related_name="+")
    ok = models.BooleanField(_("collected"), default=True)
    error = models.TextField(_("error"), blank=True)
    members = models.PositiveIntegerField(_("active members"), default=0)
    tiers = ArrayField(models.PositiveIntegerField(), default=list, blank=True,
                       verbose_name=_("members per tier (no star … outstanding)"))
    tier_levels = models.PositiveIntegerField(_("sum of tier levels"), default=0)
    stars = models.PositiveIntegerField(_("eligible Party-member Stars"), default=0)
    candidates = models.PositiveIntegerField(_("shortlist candidates"), default=0)
    branches = models.PositiveIntegerField(_("outstanding branches"), default=0)
    fair_scorers = models.PositiveIntegerField(_("fair scorers"), default=0)
    barred = models.PositiveIntegerField(_("award bars"), default=0)
    weight = models.DecimalField(_("weight"), max_digits=16, decimal_places=2, default=Decimal("0"))
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    share = _money(_("budget share"))
    special_share = _money(_("special fund share"))

    class Meta:
        ordering = ["run", "rank", "township"]
        constraints = [models.UniqueConstraint(fields=["run", "township"], name="rollup_township_once")]
        verbose_name = _("township in a rollup")

    def __str__(self) -> str:
        return f"{self.run_id} {self.township_id}"


class RollupCandidate(models.Model):
    """A county-list entry: an eligible Party-member Star or a shortlist candidate of a township
    (never a member barred by a faking finding)."""

    run = models.ForeignKey(RollupRun, on_delete=models.CASCADE, related_name="candidates")
    township = models.ForeignKey("townships.Township", on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField(_("member"))
    member_name = models.CharField(_("name"), max_length=100)
    branch_name = models.CharField(_("branch"), max_length=200)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.NONE)
    eligible = models.BooleanField(_("Party-member Star eligible"), default=False)
    shortlisted = models.BooleanField(_("on the township's shortlist"), default=False)

    class Meta:
        ordering = ["run", "-eligible", "-tier", "township", "member_name"]
        constraints = [models.UniqueConstraint(fields=["run", "township", "member_id"], name="rollup_candidate_once")]
        verbose_name = _("county list entry")

    def __str__(self) -> str:
        return f"{self.run_id} {self.member_name}"
