"""A township's honours, star tiers, Party-member Star results and award shortlists.

- `Honour`: an honour a member received (kind from the county template, issuing level, issuer,
  date, certificate files). Entered by a clerk, secretary or the office; it counts only once the
  township office verified it; then its points are proposed to the ledger as an entry with
  `source="honour:<id>"` (reviewed like any entry). A revocation proposes a reversing correction.
- `MemberTier`: the member's tier of a scoring year from their verified honours, with the reason.
- `StarEvaluation` / `StarResult`: one evaluation of the Party-member Star rule per year (the run
  names the county rule version used); per member, eligible or not and the failed condition codes.
- `Shortlist` / `ShortlistCandidate` / `ShortlistEdit`: the 七一 and year-end award shortlists with
  each candidate's evidence trail; submitted ones are locked (and copied to the county).

Figures are plain columns (tier as a number, eligible as a boolean, failed codes as an array) so a
county rollup reads every township in one SQL pass.
"""
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.choices import Rating
from scoring.rewards.choices import Level, ShortlistKind, Tier


class Honour(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Revoked")

    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="honours",
                               verbose_name=_("member"))
    year = models.PositiveSmallIntegerField(_("scoring year"))
    kind_code = models.CharField(_("kind"), max_length=20)
    kind_name = models.CharField(_("kind name"), max_length=100)
    title = models.CharField(_("title of the honour"), max_length=200)
    level = models.CharField(_("issuing level"), max_length=10, choices=Level.choices)
    issuer = models.CharField(_("issued by"), max_length=200)
    awarded_on = models.DateField(_("awarded on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)
    entered_by_id = models.BigIntegerField()
    entered_at = models.DateTimeField(auto_now_add=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejecting"), blank=True)
    revoked_by_id = models.BigIntegerField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)
    entry = models.OneToOneField("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("points entry"))
    reversal = models.OneToOneField("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("reversing entry"))

    class Meta:
        ordering = ["-awarded_on", "-id"]
        indexes = [models.Index(fields=["year", "status", "member"], name="honour_year_status_member")]
        verbose_name = _("honour")
        verbose_name_plural = _("honours")

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind_name} {self.title}"


class HonourCertificate(models.Model):
    honour = models.ForeignKey(Honour, on_delete=models.PROTECT, related_name="certificates")
    file = models.FileField(_("file"), upload_to="honours/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_id = models.BigIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("certificate")

    def __str__(self) -> str:
        return self.original_name


class MemberTier(models.Model):
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("scoring year"))
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.NONE)
    uncapped_tier = models.PositiveSmallIntegerField(_("tier before a veto"), choices=Tier.choices, default=Tier.NONE)
    honour_points = models.DecimalField(_("honour points"), max_digits=8, decimal_places=2)
    honours = models.PositiveSmallIntegerField(_("verified honours"))
    vetoed = models.BooleanField(_("one-vote veto"), default=False)
    reason = models.TextField(_("reason"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["year", "-tier", "member"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="member_tier_unique")]
        indexes = [models.Index(fields=["year", "tier"], name="member_tier_year_tier")]
        verbose_name = _("star tier")

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.tier}"


class StarEvaluation(models.Model):
    year = models.PositiveSmallIntegerField(_("scoring year"), unique=True)
    rule_version_id = models.BigIntegerField(_("rule version (county)"))
    rule_version = models.PositiveIntegerField(_("rule version number"))
    members = models.PositiveIntegerField(_("members evaluated"))
    eligible = models.PositiveIntegerField(_("eligible"))
    evaluated_at = models.DateTimeField(_("evaluated at"))
    evaluated_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("Party-member Star evaluation")

    def __str__(self) -> str:
        return f"{self.year} v{self.rule_version}"


class StarResult(models.Model):
    evaluation = models.ForeignKey(StarEvaluation, on_delete=models.CASCADE, related_name="results")
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("scoring year"))
    rule_version = models.PositiveIntegerField(_("rule version number"))
    eligible = models.BooleanField(_("eligible"))
    failed = ArrayField(models.CharField(max_length=16), default=list, blank=True,
                        verbose_name=_("failed conditions"))
    # [{"group", "code", "holds", "detail"}] in the order of the rule: the explanation shown.
    explanation = models.JSONField(_("explanation"), default=list)

    class Meta:
        ordering = ["year", "-eligible", "member"]
        constraints = [models.UniqueConstraint(fields=["year", "member"], name="star_result_unique")]
        verbose_name = _("Party-member Star result")

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.eligible}"


class Shortlist(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to the county")

    kind = models.CharField(_("award"), max_length=10, choices=ShortlistKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    generated_at = models.DateTimeField(_("generated at"))
    generated_by_id = models.BigIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by_id = models.BigIntegerField(null=True, blank=True)
    county_copy_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="shortlist_once_per_award")]
        verbose_name = _("award shortlist")

    def __str__(self) -> str:
        return f"{self.kind} {self.year}"


class ShortlistCandidate(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="candidates")
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    included = models.BooleanField(_("on the shortlist"), default=True)
    by_office = models.BooleanField(_("added by the office"), default=False)
    position = models.PositiveSmallIntegerField(_("position"))
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.NONE)
    eligible = models.BooleanField(_("Party-member Star eligible"), default=False)
    year_points = models.DecimalField(_("points this year"), max_digits=9, decimal_places=2)
    best_rank = models.PositiveIntegerField(_("best monthly rank in branch"), null=True, blank=True)
    months_top3 = models.PositiveSmallIntegerField(_("months in the branch's top three"), default=0)
    months = ArrayField(models.CharField(max_length=7), default=list, blank=True, verbose_name=_("months ranked"))
    publications = ArrayField(models.BigIntegerField(), default=list, blank=True,
                              verbose_name=_("quarterly publications"))
    rating = models.CharField(_("annual rating"), max_length=16, choices=Rating.choices, blank=True)
    honour_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("honours"))
    reason = models.TextField(_("why shortlisted"))

    class Meta:
        ordering = ["shortlist", "-included", "position", "member"]
        constraints = [models.UniqueConstraint(fields=["shortlist", "member"], name="shortlist_candidate_once")]
        verbose_name = _("shortlist candidate")

    def __str__(self) -> str:
        return f"{self.shortlist_id} {self.member_id}"


class ShortlistEdit(models.Model):
    class Action(models.TextChoices):
        ADD = "add", _("Added")
        REMOVE = "remove", _("Removed")

    candidate = models.ForeignKey(ShortlistCandidate, on_delete=models.CASCADE, related_name="edits")
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    reason = models.TextField(_("reason"))
    edited_by_id = models.BigIntegerField()
    edited_at = models.DateTimeField(_("edited at"))

    class Meta:
        ordering = ["edited_at", "id"]
        verbose_name = _("shortlist edit")

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.action}"
