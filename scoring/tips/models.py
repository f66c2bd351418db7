"""Tips to the supervision office and discipline commission, their case files, sanctions and
the award ineligibility that faking costs a village's branch secretary."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.tips.base import MessageBase, NoteBase, TipBase


class Tip(TipBase):
    village = models.ForeignKey("organisation.Village", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("village"))

    class Meta(TipBase.Meta):
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        indexes = [models.Index(fields=["status", "due_on"], name="tip_status_due")]


class TipMessage(MessageBase):
    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="messages")

    class Meta(MessageBase.Meta):
        verbose_name = _("tip message")


class TipNote(NoteBase):
    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="notes")

    class Meta(NoteBase.Meta):
        verbose_name = _("internal note")


class TipEvidence(models.Model):
    """A photo or PDF gathered by the handlers (checked like ledger evidence); never public."""

    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to="tips/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_id = models.BigIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("tip evidence")

    def __str__(self) -> str:
        return self.original_name


class Sanction(models.Model):
    class Kind(models.TextChoices):
        NOTICE = "notice", _("Circulated notice (通报)")
        ADMONISHMENT = "admonishment", _("Admonishment talk (诫勉谈话)")
        ACCOUNTABILITY = "accountability", _("Accountability (问责)")

    kind = models.CharField(_("sanction"), max_length=16, choices=Kind.choices)
    person_name = models.CharField(_("person sanctioned"), max_length=100)
    village = models.ForeignKey("organisation.Village", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("village"))
    decided_on = models.DateField(_("date of decision"))
    decision_maker = models.CharField(_("decided by"), max_length=100)
    document_number = models.CharField(_("document number"), max_length=60)
    source = models.CharField(_("source"), max_length=40, help_text=_("tip:<id> or check:<id>"))
    faking_established = models.BooleanField(_("faking of points established"), default=False)
    scoring_year = models.PositiveSmallIntegerField(_("scoring year"))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_by_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_name} {self.document_number}"


class AwardIneligibility(models.Model):
    """A branch secretary (a user; and their member record when one is linked) who may not receive
    an award for `scoring_year`, because faking was established in their village."""

    user_id = models.BigIntegerField(_("user"))
    member = models.ForeignKey("organisation.Member", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("member"))
    scoring_year = models.PositiveSmallIntegerField(_("scoring year"))
    reason = models.TextField(_("reason"), max_length=500)
    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="ineligibilities")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scoring_year", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user_id", "scoring_year"], name="award_ineligible_once")]
        verbose_name = _("award ineligibility")

    def __str__(self) -> str:
        return f"{self.user_id} {self.scoring_year}"
