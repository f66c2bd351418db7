import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_public_schema_name

CODE_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9-]{1,30}$",
    _("Use 2 to 31 lowercase letters, digits or hyphens, starting with a letter."),
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


class Township(TenantMixin):
    """A township (乡镇): one tenant with its own PostgreSQL schema.

    The county itself is the row whose schema is `public`; it is never listed as a township.
    Schemas are created by `township_provision` in a Celery task, never on save.
    """

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Provisioning failed")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=31, unique=True, validators=[CODE_VALIDATOR])
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROVISIONING)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    failure_reason = models.TextField(_("failure reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    provisioned_at = models.DateTimeField(_("provisioned at"), null=True, blank=True)
    # The latest archiving (or restoring) and why; the full history is in the county's audit trail.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archive_reason = models.TextField(_("reason for archiving"), blank=True)

    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["code"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")

    def __str__(self) -> str:
        return self.name

    @property
    def is_county(self) -> bool:
        return self.schema_name == get_public_schema_name()

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    def time_zone_info(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def url_prefix(self) -> str:
        """Path under which the township's pages and API live (see README: routing)."""
        return f"/t/{self.code}/"


class Domain(DomainMixin):
    """The township's routing key. With path routing this is the `<code>` of `/t/<code>/`."""

    class Meta:
        verbose_name = _("routing key")
