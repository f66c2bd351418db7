"""County-level scoring policy, rule templates and the county's copy of each sealed month.

These live in the public schema: the county sets them for every township.
"""
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.choices import AppliesTo, Category, MeetingKind, Rating


class CountyPolicy(models.Model):
    """The county's scoring settings: one row (pk=1), read through `county_policy_get`."""

    year_start_month = models.PositiveSmallIntegerField(
        _("scoring year starts in month"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    default_base_score = models.DecimalField(_("default base score"), max_digits=7, decimal_places=2,
                                             default=Decimal("60"))
    late_window_days = models.PositiveSmallIntegerField(_("days before an entry is late"), default=7)
    objection_days = models.PositiveSmallIntegerField(_("objection window (days)"), default=7)
    objection_answer_days = models.PositiveSmallIntegerField(_("days to answer an objection"), default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("county scoring policy")

    def __str__(self) -> str:
        return str(_("county scoring policy"))


class TemplateCatalogue(models.Model):
    """The county's template catalogue for one scoring year."""

    year = models.PositiveSmallIntegerField(_("scoring year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    document = models.CharField(_("issuing document"), max_length=200, blank=True)
    is_published = models.BooleanField(_("published to townships"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("template catalogue")

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class TemplateItem(models.Model):
    """One item of the county template, with the bounds a township may localise it within."""

    catalogue = models.ForeignKey(TemplateCatalogue, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=20)
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
    # Localisation bounds: a township's points range must stay inside [bound_min, bound_max].
    bound_min = models.DecimalField(_("lowest points a township may set"), max_digits=7, decimal_places=2)
    bound_max = models.DecimalField(_("highest points a township may set"), max_digits=7, decimal_places=2)
    may_disable = models.BooleanField(_("a township may leave it out"), default=False)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["catalogue", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "code"], name="template_item_code_unique")]
        verbose_name = _("template item")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class LedgerSeal(models.Model):
    """The county's copy of a township's sealed month: the ledger head hash at the close.

    Kept in the public schema so a township cannot rewrite its own history unnoticed.
    """

    township = models.ForeignKey("townships.Township", on_delete=models.PROTECT, related_name="ledger_seals")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    head_seq = models.BigIntegerField(_("last entry number"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    entry_count = models.PositiveIntegerField(_("entries in month"))
    sealed_at = models.DateTimeField(_("sealed at"))

    class Meta:
        ordering = ["township", "-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["township", "year", "month"], name="ledger_seal_unique")]
        verbose_name = _("ledger seal")

    def __str__(self) -> str:
        return f"{self.township_id} {self.year}-{self.month:02d} {self.head_hash[:12]}"


def _share_at_least_one_third(value):
    from fractions import Fraction

    from django.core.exceptions import ValidationError

    if value is None or Fraction(value) < Fraction(1, 3) - Fraction(1, 10000) or value > 1:
        raise ValidationError(_("The share must be at least one third (0.3333) and at most 1."))


class OversightPolicy(models.Model):
    """The county's spot-check policy for one scoring year (issue 8, item 1).

    A share of 0.3333 means one third exactly: the draw never takes fewer than ceil(n/3) villages.
    Townships may raise the share (scoring.oversight.TownshipOversightPolicy), never lower it.
    """

    year = models.PositiveSmallIntegerField(_("scoring year"), unique=True)
    min_share = models.DecimalField(_("minimum share of villages drawn each month"), max_digits=5, decimal_places=4,
                                    default=Decimal("0.3333"), validators=[_share_at_least_one_third])
    members_per_village = models.PositiveSmallIntegerField(
        _("members checked per village"), default=5, validators=[MinValueValidator(1), MaxValueValidator(100)])
    key_largest_additions = models.BooleanField(_("key: the month's largest additions"), default=True)
    key_late_entries = models.BooleanField(_("key: late entries"), default=True)
    key_discrepancy_scorers = models.BooleanField(_("key: entries by a scorer with earlier discrepancies"),
                                                  default=True)
    key_remote_members = models.BooleanField(_("key: migrant and seafaring members with entries"), default=True)
    key_near_pass_line = models.BooleanField(_("key: members near the pass line"), default=True)
    near_pass_margin = models.DecimalField(_("near the pass line: within points"), max_digits=7, decimal_places=2,
                                           default=Decimal("5"))
    max_unchecked_months = models.PositiveSmallIntegerField(
        _("months a village may go unchecked before it is forced"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)])
    draw_day = models.PositiveSmallIntegerField(_("draw on day of month"), default=1,
                                                validators=[MinValueValidator(1), MaxValueValidator(28)])
    check_due_days = models.PositiveSmallIntegerField(_("days to complete a check"), default=20,
                                                      validators=[MinValueValidator(1), MaxValueValidator(60)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("spot-check policy")

    def __str__(self) -> str:
        return f"{self.year} {self.min_share}"


class DrawPublicValue(models.Model):
    """A public value the county enters for a month's draws (e.g. a lottery result), used instead
    of the seal heads; it must be entered before the draw and is shown on every draw page."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    value = models.CharField(_("public value"), max_length=200)
    source = models.CharField(_("where it comes from"), max_length=200)
    entered_by_id = models.BigIntegerField(null=True, blank=True)
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="draw_public_value_unique")]
        verbose_name = _("draw public value")

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.value}"


class LedgerAnchor(models.Model):
    """The county's hourly copy of a township's chain head, between monthly seals.

    Taken at least every hour (beat job `ledger.anchor_heads`), at every monthly close and at
    every quarterly publication. The anchors of one township are chained among themselves
    (`hash` covers `prev_hash` and the anchor's content, see `scoring.ledger.anchors`), live in the
    public schema out of the township's reach, and are append-only in the database: rewriting any
    ledger row older than the latest anchor is detected and located by `ledger_verify`. The
    latest anchor is shown on every member's points card and printed on every publication.
    """

    class Reason(models.TextChoices):
        HOURLY = "hourly", _("Hourly")
        CLOSE = "close", _("Monthly close")
        PUBLICATION = "publication", _("Publication")

    township = models.ForeignKey("townships.Township", on_delete=models.PROTECT, related_name="ledger_anchors")
    number = models.PositiveIntegerField(_("anchor number"))
    head_seq = models.BigIntegerField(_("last entry number"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    anchored_at = models.DateTimeField(_("anchored at"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(_("anchor hash"), max_length=64)

    class Meta:
        ordering = ["township", "-number"]
        constraints = [models.UniqueConstraint(fields=["township", "number"], name="ledger_anchor_unique")]
        verbose_name = _("ledger anchor")

    def __str__(self) -> str:
        return f"{self.township_id} ⚓{self.number} #{self.head_seq} {self.head_hash[:12]}"


class MeetingFrequency(models.Model):
    """How often the county requires each kind of branch meeting: every `months` months (1 monthly,
    3 quarterly, 6 half-yearly, 12 yearly, 0 not required). A kind without a row uses
    `scoring.choices.DEFAULT_MEETING_FREQUENCIES`; read through `meeting_frequencies()`."""

    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices, unique=True)
    months = models.PositiveSmallIntegerField(_("required every (months)"),
                                              choices=[(0, _("not required")), (1, _("monthly")), (3, _("quarterly")),
                                                       (6, _("half-yearly")), (12, _("yearly"))])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("required meeting frequency")

    def __str__(self) -> str:
        return f"{self.kind}: {self.months}"


def meeting_frequencies() -> dict[str, int]:
    """Months between required meetings per kind: the county's rows over the defaults."""
    from scoring.choices import DEFAULT_MEETING_FREQUENCIES

    return {**DEFAULT_MEETING_FREQUENCIES, **dict(MeetingFrequency.objects.values_list("kind", "months"))}
