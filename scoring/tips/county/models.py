"""Tips about a township's own office or leaders: in the public schema, seen by the county only."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.tips.base import MessageBase, NoteBase, TipBase


class CountyTip(TipBase):
    township = models.ForeignKey("townships.Township", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("township"))

    class Meta(TipBase.Meta):
        verbose_name = _("tip to the county")
        indexes = [models.Index(fields=["township", "status"], name="county_tip_township_status")]


class CountyTipMessage(MessageBase):
    tip = models.ForeignKey(CountyTip, on_delete=models.PROTECT, related_name="messages")

    class Meta(MessageBase.Meta):
        verbose_name = _("tip message")


class CountyTipNote(NoteBase):
    tip = models.ForeignKey(CountyTip, on_delete=models.PROTECT, related_name="notes")

    class Meta(NoteBase.Meta):
        verbose_name = _("internal note")
