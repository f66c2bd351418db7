"""Favouritism signals (照顾分): per scorer and per branch indicators computed after each monthly
close, stored as flags for a human decision (dismissed with a note, or a check opened).

Never an automatic penalty: a `Signal` only records the numbers and why they stand out.
"""
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class SignalSettings(models.Model):
    """The township's thresholds (one row, pk=1; defaults apply until the office changes them).

    Shares are fractions (0.30 = 30 %). A subject is assessed on a share signal only when it has
    at least `min_entries` entries (additions for the addition-based signals) in the month, so
    one late entry out of one is not a flag.
    """

    min_entries = models.PositiveIntegerField(_("minimum entries to assess"), default=5)
    late_share = models.DecimalField(_("late-entry share above"), max_digits=4, decimal_places=2,
                                     default=Decimal("0.30"), validators=SHARE)
    no_evidence_share = models.DecimalField(_("share of additions without evidence above"), max_digits=4,
                                            decimal_places=2, default=Decimal("0.30"), validators=SHARE)
    rush_days = models.PositiveIntegerField(_("days before a close or publication"), default=3,
                                            validators=[MinValueValidator(1), MaxValueValidator(15)])
    rush_share = models.DecimalField(_("share of additions in those days above"), max_digits=4, decimal_places=2,
                                     default=Decimal("0.50"), validators=SHARE)
    top3_share = models.DecimalField(_("share of added points going to the top 3 members above"), max_digits=4,
                                     decimal_places=2, default=Decimal("0.60"), validators=SHARE)
    concentration_min_members = models.PositiveIntegerField(_("members needed to assess concentration"),
                                                            default=8)
    divergence_share = models.DecimalField(_("share of entries whose review changed the points above"),
                                           max_digits=4, decimal_places=2, default=Decimal("0.25"),
                                           validators=SHARE)
    check_gap = models.DecimalField(_("share of checked points not confirmed above"), max_digits=4,
                                    decimal_places=2, default=Decimal("0.20"), validators=SHARE)
    peer_ratio = models.DecimalField(_("additions per member above this multiple of the peers' median"),
                                     max_digits=4, decimal_places=2, default=Decimal("2.00"),
                                     validators=[MinValueValidator(Decimal("1"))])
    updated_by_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signal thresholds")

    def __str__(self) -> str:
        return "signal thresholds"


class SignalRun(models.Model):
    """One computation of a closed month; unique, so the beat job computes each month once."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    computed_at = models.DateTimeField(_("computed at"))
    flags = models.PositiveIntegerField(_("flags"), default=0)
    subjects = models.PositiveIntegerField(_("subjects assessed"), default=0)
    used_checks = models.BooleanField(_("spot-check results used"), default=False)

    class Meta:
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="signal_run_month_unique")]
        verbose_name = _("signal computation")

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class Signal(models.Model):
    class Subject(models.TextChoices):
        SCORER = "scorer", _("Scorer")
        BRANCH = "branch", _("Branch")

    class Kind(models.TextChoices):
        LATE = "late", _("Late entries")
        NO_EVIDENCE = "no_evidence", _("Additions without evidence")
        RUSH = "rush", _("Additions bunched before a close or publication")
        CONCENTRATION = "concentration", _("Additions concentrated on few members")
        DIVERGENCE = "divergence", _("Review levels disagree")
        CHECK_GAP = "check_gap", _("Spot checks did not confirm posted points")
        PEER = "peer", _("Far above peer branches")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting decision")
        DISMISSED = "dismissed", _("Dismissed")
        CHECK_OPENED = "check_opened", _("Check opened")

    run = models.ForeignKey(SignalRun, on_delete=models.PROTECT, related_name="signals")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    subject = models.CharField(_("subject"), max_length=8, choices=Subject.choices)
    scorer_id = models.BigIntegerField(_("scorer"), null=True, blank=True)
    scorer_name = models.CharField(_("scorer"), max_length=150, blank=True)
    branch = models.ForeignKey("organisation.Branch", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("branch"))
    # The village a check would go to (the branch's, or where most of the scorer's entries were).
    village = models.ForeignKey("organisation.Village", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("village"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    value = models.DecimalField(_("value"), max_digits=9, decimal_places=4)
    peer_value = models.DecimalField(_("peers' median"), max_digits=9, decimal_places=4, null=True, blank=True)
    threshold = models.DecimalField(_("threshold"), max_digits=9, decimal_places=4)
    count = models.PositiveIntegerField(_("entries concerned"), default=0)
    total = models.PositiveIntegerField(_("entries assessed"), default=0)
    # The numbers the reason is built from, so it is rendered in each reader's language.
    params = models.JSONField(default=dict)
    entry_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-year", "-month", "status", "subject", "kind", "id"]
        indexes = [models.Index(fields=["status", "kind"], name="signal_status_kind")]
        verbose_name = _("favouritism signal")

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.subject} {self.kind} {self.value}"

    @property
    def reason(self) -> str:
        """Why this is a flag, built from the numbers in the active language."""
        return signal_reason(self)

    @property
    def month_label(self) -> str:
        return f"{self.year}-{self.month:02d}"


# The reason of each kind, filled from `Signal.params` in the reader's language.
REASONS = {
    Signal.Kind.LATE: _("%(count)s of %(total)s entries (%(value)s%%) were late entries; threshold %(threshold)s%%, "
                        "peers' median %(peer)s."),
    Signal.Kind.NO_EVIDENCE: _("%(count)s of %(total)s additions (%(value)s%%) have no evidence; threshold "
                               "%(threshold)s%%, peers' median %(peer)s."),
    Signal.Kind.RUSH: _("%(count)s of %(total)s additions (%(value)s%%) were entered in the last %(days)s days before "
                        "the monthly close or the quarterly notice; threshold %(threshold)s%%, peers' median "
                        "%(peer)s."),
    Signal.Kind.CONCENTRATION: _("The top 3 of %(total)s members received %(value)s%% of the added points; threshold "
                                 "%(threshold)s%%, peers' median %(peer)s."),
    Signal.Kind.DIVERGENCE: _("Reviewers changed the points of %(count)s of %(total)s entries (%(value)s%%); "
                              "threshold %(threshold)s%%, peers' median %(peer)s."),
    Signal.Kind.CHECK_GAP: _("Spot checks confirmed %(confirmed)s of %(checked)s points checked: %(value)s%% not "
                             "confirmed; threshold %(threshold)s%%, peers' median %(peer)s."),
    Signal.Kind.PEER: _("%(value)s added points per member, %(ratio)s times the median of %(peers)s peer branches of "
                        "the same type (%(peer)s); flagged from %(threshold)s."),
}
NO_PEERS = "—"


def signal_reason(signal: Signal) -> str:
    params = dict(signal.params)
    if params.get("peer", "") == "":
        params["peer"] = NO_PEERS
    try:
        return str(REASONS[signal.kind]) % params
    except (KeyError, TypeError, ValueError):
        return f"{signal.get_kind_display()}: {signal.value}"

