"""County-wide recruitment rounds (public schema, seen by the county office only): the round, its posts
(places in one township each, optionally limited to some of its villages), the applications, each for
one post, and their documents. Fields and rules are shared with township rounds (`base.py`, `flow.py`)."""
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from staffing.recruitment.base import ApplicationBase, DocumentBase, RoundBase, round_constraints


class CountyRound(RoundBase):
    class Meta(RoundBase.Meta):
        verbose_name = _("county-wide recruitment round")
        constraints = round_constraints("county_round")

    @property
    def posts(self) -> int:
        """Places over all townships (the township round's `posts`)."""
        return sum(p.places for p in self.township_posts.all())


class CountyPost(models.Model):
    """Places in one township; `village_ids` (rows of that township's schema) limit where the hire may
    be placed, empty meaning any village of the township."""

    round = models.ForeignKey(CountyRound, on_delete=models.PROTECT, related_name="township_posts")
    township = models.ForeignKey("townships.Township", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("township"))
    places = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1), MaxValueValidator(50)])
    village_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("villages"))

    class Meta:
        ordering = ["round", "township__code"]
        verbose_name = _("post in a township")
        constraints = [models.UniqueConstraint(fields=["round", "township"], name="county_post_one_per_township"),
                       models.CheckConstraint(condition=models.Q(places__gte=1), name="county_post_places")]

    def __str__(self) -> str:
        return f"{self.township} × {self.places}"


class CountyApplication(ApplicationBase):
    round = models.ForeignKey(CountyRound, on_delete=models.PROTECT, related_name="applications")
    post = models.ForeignKey(CountyPost, on_delete=models.PROTECT, related_name="applications",
                             verbose_name=_("post"))
    user_id = models.BigIntegerField(null=True, blank=True)

    class Meta(ApplicationBase.Meta):
        verbose_name = _("application to a county-wide round")
        constraints = [models.UniqueConstraint(fields=["round", "phone"], name="county_application_one_per_phone")]
        indexes = [models.Index(fields=["status", "offer_deadline"], name="county_application_offer")]

    def same_post(self) -> dict:
        return {"post_id": self.post_id}


class CountyDocument(DocumentBase):
    application = models.ForeignKey(CountyApplication, on_delete=models.CASCADE, related_name="documents")

    class Meta(DocumentBase.Meta):
        verbose_name = _("applicant's document")
