"""Open recruitment of professional clerks by a township office: a round (posts, eligibility,
timetable, ranking weights), the applications made on the public page, their documents, scores,
ranking and the offer that turns an applicant into a clerk. Applicants' personal data live in the
township's schema and are read only by the township office (see `selectors.py`)."""
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


class Round(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PUBLISHED = "published", _("Ranking published")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=100)
    posts = models.PositiveSmallIntegerField(_("posts"), validators=[MinValueValidator(1), MaxValueValidator(200)])
    villages = models.ManyToManyField("organisation.Village", blank=True, related_name="+", verbose_name=_("villages"))
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
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-applications_open", "-pk"]
        verbose_name = _("recruitment round")
        constraints = [
            models.CheckConstraint(condition=models.Q(min_age__lte=models.F("max_age")), name="round_age_range"),
            models.CheckConstraint(condition=models.Q(applications_close__gte=models.F("applications_open"))
                                   & models.Q(test_on__gte=models.F("applications_close"))
                                   & models.Q(interview_on__gte=models.F("test_on"))
                                   & models.Q(publish_on__gte=models.F("interview_on")), name="round_timetable"),
            models.CheckConstraint(condition=models.Q(written_weight__gte=0) & models.Q(interview_weight__gte=0),
                                   name="round_weights"),
        ]

    def __str__(self) -> str:
        return self.title


class Application(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        OFFERED = "offered", _("Offered a post")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications")
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
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    clerk_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "rank", "pk"]
        verbose_name = _("application")
        constraints = [models.UniqueConstraint(fields=["round", "phone"], name="application_one_per_phone")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.pk}"


class Document(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="recruitment/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.original_name
