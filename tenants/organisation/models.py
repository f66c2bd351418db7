"""A township's organisation: villages, branches, members and their transfers.

These tables live in each township's schema; a query here only ever sees one township.
"""
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.choices import ChoiceDisplay
from common.validators import not_in_future
from tenants.organisation.validators import mask_id_number, normalise_id_number, validate_id_number

PHONE_VALIDATOR = RegexValidator(r"^[0-9+\-\s]{5,20}$", _("Enter a valid phone number."))

BRANCH_PARENT_MUST_BE_GENERAL = _("Only a village general branch can have branches under it.")
BRANCH_VILLAGE_REQUIRED = _("A village branch or village general branch must name the village it serves.")
BRANCH_PARENT_SELF = _("A branch cannot be its own parent.")
MEMBER_PROBATION_END_REQUIRED = _("A probationary member needs the date their probation ends.")
MEMBER_MIGRANT_LOCATION_REQUIRED = _("Say where a migrant member works.")
MEMBER_SPECIAL_OCCUPATION_REQUIRED = _("Name the special occupation.")
MEMBER_BIRTH_DATE_MISMATCH = _("The birth date does not match the resident ID number.")
MEMBER_SEX_MISMATCH = _("The sex does not match the resident ID number.")
MEMBER_JOINED_BEFORE_BIRTH = _("The date joined must be after the birth date.")


class Village(models.Model):
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [models.UniqueConstraint(fields=["name"], name="village_name_unique")]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    class Kind(models.TextChoices):
        ORGAN = "organ", _("Organ branch")
        RETIREES = "retirees", _("Retirees' branch")
        VILLAGE_GENERAL = "village_general", _("Village general branch")
        VILLAGE = "village", _("Village branch")
        ENTERPRISE = "enterprise", _("Non-public enterprise branch")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent branch"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    village = models.ForeignKey(
        Village, verbose_name=_("village"), null=True, blank=True, on_delete=models.PROTECT, related_name="branches"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.parent_id:
            if self.pk and self.parent_id == self.pk:
                errors["parent"] = BRANCH_PARENT_SELF
            elif self.parent.kind != self.Kind.VILLAGE_GENERAL:
                errors["parent"] = BRANCH_PARENT_MUST_BE_GENERAL
        if self.kind in (self.Kind.VILLAGE, self.Kind.VILLAGE_GENERAL) and not self.village_id:
            errors["village"] = BRANCH_VILLAGE_REQUIRED
        if errors:
            raise ValidationError(errors)


class Member(ChoiceDisplay, models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Kind(models.TextChoices):
        FULL = "full", _("Full member")
        PROBATIONARY = "probationary", _("Probationary member")

    class Category(models.TextChoices):
        RURAL = "rural", _("Rural")
        ORGAN = "organ", _("Organ")
        ENTERPRISE = "enterprise", _("Enterprise")
        RETIRED = "retired", _("Retired")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        DECEASED = "deceased", _("Deceased")
        EXPELLED = "expelled", _("Expelled")

    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), validators=[not_in_future])
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True, validators=[validate_id_number])
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[PHONE_VALIDATOR])
    joined_on = models.DateField(_("date joined"), validators=[not_in_future])
    kind = models.CharField(_("membership"), max_length=16, choices=Kind.choices, default=Kind.FULL)
    probation_ends_on = models.DateField(_("probation ends"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.RURAL)
    is_migrant = models.BooleanField(_("migrant worker away from home"), default=False)
    migrant_location = models.CharField(_("where they work"), max_length=100, blank=True)
    is_special_occupation = models.BooleanField(_("special occupation, cannot attend"), default=False)
    special_occupation = models.CharField(_("special occupation"), max_length=50, blank=True)
    is_elderly = models.BooleanField(_("elderly"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="members")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["branch_id", "name", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            models.Index(fields=["branch", "status"], name="member_branch_status"),
            models.Index(fields=["name"], name="member_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def clean(self):
        from tenants.organisation.validators import id_number_birth_date, id_number_sex

        self.id_number = normalise_id_number(self.id_number)
        errors = {}
        try:
            validate_id_number(self.id_number)
        except ValidationError:
            pass  # reported by the field validator
        else:
            if self.birth_date and id_number_birth_date(self.id_number) != self.birth_date:
                errors["birth_date"] = MEMBER_BIRTH_DATE_MISMATCH
            if self.sex and id_number_sex(self.id_number) != self.sex:
                errors["sex"] = MEMBER_SEX_MISMATCH
        if self.kind == self.Kind.PROBATIONARY and not self.probation_ends_on:
            errors["probation_ends_on"] = MEMBER_PROBATION_END_REQUIRED
        if self.kind == self.Kind.FULL:
            self.probation_ends_on = None
        if self.is_migrant and not self.migrant_location.strip():
            errors["migrant_location"] = MEMBER_MIGRANT_LOCATION_REQUIRED
        if self.is_special_occupation and not self.special_occupation.strip():
            errors["special_occupation"] = MEMBER_SPECIAL_OCCUPATION_REQUIRED
        if self.birth_date and self.joined_on and self.joined_on <= self.birth_date:
            errors["joined_on"] = MEMBER_JOINED_BEFORE_BIRTH
        if errors:
            raise ValidationError(errors)


class MemberTransfer(models.Model):
    """History of a member's moves: between branches of the township, or out of it."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers")
    from_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    to_branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    destination = models.CharField(_("destination outside the township"), max_length=200, blank=True)
    transferred_on = models.DateField(_("date"), validators=[not_in_future])
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-transferred_on", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self) -> str:
        return f"{self.member} {self.from_branch} → {self.to_branch or self.destination}"


class RosterImport(models.Model):
    """One Excel roster upload, processed by a Celery task with progress.

    All rows are validated first; members are written only if every row is valid, in one
    transaction. `errors` lists {"row": n, "field": name, "message": text} for the report.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        VALIDATING = "validating", _("Checking rows")
        IMPORTING = "importing", _("Writing members")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Rejected")

    file = models.FileField(_("file"), upload_to="roster-imports/")
    original_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("members created"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    uploaded_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("roster import")

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
