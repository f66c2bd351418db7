"""What a recruitment round, an application and an applicant's document are, shared by the township's
rounds (township schema, `staffing.recruitment.models`) and the county's county-wide rounds (public
schema, `staffing.recruitment.county.models`) as abstract models. The rules working on them
(eligibility, ranking, offers, declines, hiring) are in `staffing.recruitment.flow`, written once
for both."""
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Education(models.TextChoices):
    """Ordered from lowest to highest: eligibility compares positions in this list."""
    JUNIOR = "junior", _("Junior secondary or below")
    SENIOR = "senior", _("Senior secondary")
    TECHNICAL = "technical", _("Technical secondary (中专)")
    COLLEGE = "college", _("College (大专)")
    BACHELOR = "bachelor", _("Bachelor or above")


EDUCATION_ORDER = [value for value, _label in Education.choices]


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PUBLISHED = "published", _("Ranking published")
    CLOSED = "closed", _("Closed")


class RoundBase(models.Model):
    Status = RoundStatus

    title = models.CharField(_("title"), max_length=100)
    min_education = models.CharField(_("minimum education"), max_length=12, choices=Education.choices,
                                     default=Education.TECHNICAL)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=18,
                                               validators=[MinValueValidator(16), MaxValueValidator(70)])
    max_age = models.PositiveSmallIntegerField(_("maximum age"), default=35,
                                               validators=[MinValueValidator(16), MaxValueValidator(70)])
    county_residence_required = models.BooleanField(_("household registered in the county required"), default=True)
    office_skills_required = models.BooleanField(_("office software skills required"), default=True)
    applications_open = models.DateField(_("applications open"))
    applications_close = models.DateField(_("applications close"))
    test_on = models.DateField(_("written test"))
    interview_on = models.DateField(_("interview"))
    publish_on = models.DateField(_("publication"))
    written_weight = models.DecimalField(_("written test weight"), max_digits=3, decimal_places=2,
                                         default=Decimal("0.60"),
                                         validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))])
    interview_weight = models.DecimalField(_("interview weight"), max_digits=3, decimal_places=2,
                                           default=Decimal("0.40"),
                                           validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))])
    # An offered candidate answers within this many days; silence past it counts as a decline.
    offer_days = models.PositiveSmallIntegerField(_("days to answer an offer"), default=7,
                                                  validators=[MinValueValidator(1), MaxValueValidator(60)])
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-applications_open", "-pk"]

    def __str__(self) -> str:
        return self.title


def round_constraints(prefix: str) -> list:
    """The round's database checks, named with `prefix` (constraint names are unique per database)."""
    return [
        models.CheckConstraint(condition=models.Q(min_age__lte=models.F("max_age")), name=f"{prefix}_age_range"),
        models.CheckConstraint(condition=models.Q(applications_close__gte=models.F("applications_open"))
                               & models.Q(test_on__gte=models.F("applications_close"))
                               & models.Q(interview_on__gte=models.F("test_on"))
                               & models.Q(publish_on__gte=models.F("interview_on")), name=f"{prefix}_timetable"),
        models.CheckConstraint(condition=models.Q(written_weight__gte=0) & models.Q(interview_weight__gte=0),
                               name=f"{prefix}_weights"),
    ]


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    OFFERED = "offered", _("Offered a post")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class DeclinedVia(models.TextChoices):
    OFFICE = "office", _("Recorded by the office")
    LINK = "link", _("By the candidate's link")
    DEADLINE = "deadline", _("Offer deadline passed")


class ApplicationBase(models.Model):
    """An applicant's personal data, scores and the offer. Concrete models add `round` (and the
    county's the chosen `post`)."""

    Status = ApplicationStatus

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=[("f", _("Female")), ("m", _("Male"))])
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("phone"), max_length=20)
    education = models.CharField(_("education"), max_length=12, choices=Education.choices)
    county_resident = models.BooleanField(_("household registered in the county"), default=False)
    office_skills = models.BooleanField(_("can use office software"), default=False)
    written_score = models.DecimalField(_("written test score"), max_digits=5, decimal_places=2, null=True,
                                        blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)])
    interview_score = models.DecimalField(_("interview score"), max_digits=5, decimal_places=2, null=True,
                                          blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)])
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.APPLIED)
    offered_on = models.DateField(_("offered on"), null=True, blank=True)
    offer_deadline = models.DateField(_("answer the offer by"), null=True, blank=True)
    declined_via = models.CharField(_("declined"), max_length=10, choices=DeclinedVia.choices, blank=True)
    clerk_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["round", "rank", "pk"]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.pk}"

    def same_post(self) -> dict:
        """The filter of the applications competing with this one for the same places (ranked together,
        the next one offered when an offer is declined): the whole round unless a concrete model says."""
        return {}


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("ID card")
    DIPLOMA = "diploma", _("Diploma")
    OTHER = "other", _("Other document")


class DocumentBase(models.Model):
    """A file an applicant uploaded, checked like evidence (decoded, type by content, SHA-256)."""

    Kind = DocumentKind

    kind = models.CharField(_("document"), max_length=10, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    file = models.FileField(upload_to="recruitment/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        abstract = True
        ordering = ["application", "kind", "pk"]

    def __str__(self) -> str:
        return self.original_name
