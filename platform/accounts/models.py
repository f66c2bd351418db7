from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person. Lives in the public schema so one person can hold roles in several townships."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    # Set when someone else chose the password (an account created with an initial password):
    # the person must choose their own before doing anything else.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("County admin")
    TOWNSHIP_OFFICE = "township_office", _("Township Party-building office")
    CLERK = "clerk", _("Clerk")
    BRANCH_SECRETARY = "branch_secretary", _("Branch secretary / scorer")
    WORK_TEAM = "work_team", _("Village work team")
    LIAISON_LEADER = "liaison_leader", _("Liaison leader")
    SUPERVISION_OFFICE = "supervision_office", _("Supervision office")
    DISCIPLINE_COMMISSION = "discipline_commission", _("Discipline commission")
    MEMBER = "member", _("Party member")


# Roles whose scope is a set of villages, a branch, or one member record.
VILLAGE_SCOPED_ROLES = {Role.CLERK, Role.WORK_TEAM, Role.LIAISON_LEADER}
BRANCH_SCOPED_ROLES = {Role.BRANCH_SECRETARY}
MEMBER_SCOPED_ROLES = {Role.MEMBER}
# Roles that see the whole township.
TOWNSHIP_WIDE_ROLES = {Role.TOWNSHIP_OFFICE, Role.SUPERVISION_OFFICE, Role.DISCIPLINE_COMMISSION}


class RoleAssignment(models.Model):
    """A role a user holds: county-wide (township empty, county admin only) or in one township.

    Scope ids point at rows in the township's schema (villages, a branch, a member); they are
    checked against that schema by `accounts.services.role_assign`.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    township = models.ForeignKey(
        "townships.Township", null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    village_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("villages"))
    branch_id = models.BigIntegerField(_("branch"), null=True, blank=True)
    member_id = models.BigIntegerField(_("member"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "township", "role"], name="role_unique_per_township"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(township__isnull=True), name="county_role_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role="county_admin", township__isnull=True)
                | (~models.Q(role="county_admin") & models.Q(township__isnull=False)),
                name="county_admin_has_no_township",
            ),
        ]
        verbose_name = _("role assignment")

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} {self.township or ''}"


class PasswordResetCode(models.Model):
    """A code sent by SMS to reset a forgotten password (`accounts.recovery`).

    Only a keyed hash of the code is kept (HMAC with the secret key and a per-row salt: six digits
    are too few for a plain hash). A code is used once, expires, and dies after a few wrong tries.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_reset_codes")
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"], name="reset_code_user_live")]
        verbose_name = _("password reset code")

    def __str__(self) -> str:
        return f"reset code of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"
