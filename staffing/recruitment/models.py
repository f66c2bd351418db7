"""Open recruitment of professional clerks by a township office: a round (posts, eligibility,
timetable, ranking weights), the applications made on the public page, their documents, scores,
ranking and the offer that turns an applicant into a clerk. Applicants' personal data live in the
township's schema and are read only by the township office (see `selectors.py`). The fields are
shared with the county's county-wide rounds (`base.py`)."""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from staffing.recruitment.base import (  # noqa: F401 - re-exported for the app's users
    EDUCATION_ORDER,
    ApplicationBase,
    DocumentBase,
    Education,
    RoundBase,
    round_constraints,
)


class Round(RoundBase):
    posts = models.PositiveSmallIntegerField(_("posts"), validators=[MinValueValidator(1), MaxValueValidator(200)])
    villages = models.ManyToManyField("organisation.Village", blank=True, related_name="+", verbose_name=_("villages"))

    class Meta(RoundBase.Meta):
        verbose_name = _("recruitment round")
        constraints = round_constraints("round")


class Application(ApplicationBase):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications")

    class Meta(ApplicationBase.Meta):
        verbose_name = _("application")
        constraints = [models.UniqueConstraint(fields=["round", "phone"], name="application_one_per_phone")]


class Document(DocumentBase):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")

    class Meta(DocumentBase.Meta):
        verbose_name = _("applicant's document")
