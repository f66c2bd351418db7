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


class TownshipChange(models.Model):
    """One committed (or still running) transaction that changed a township's data.

    Written in the changing transaction itself (`tenants.townships.rollups.township_changed`, called
    for every audit event recorded in a township schema) with that transaction's id, so a county
    rollup can tell exactly whether its stored figures saw the change (`TownshipRollup.snapshot`).
    Pruned by `townships.rollups_prune` once no stored rollup needs a row."""

    township = models.ForeignKey(Township, on_delete=models.CASCADE, related_name="+")
    xid = models.BigIntegerField(_("transaction id"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("township change")
        indexes = [models.Index(fields=["township", "xid"], name="townshipchange_township_xid")]

    def __str__(self) -> str:
        return f"{self.township_id}@{self.xid}"


class TownshipRollup(models.Model):
    """A county figure of one township, computed in the township's schema and kept in the public
    schema, with the database snapshot it was computed in (`pg_current_snapshot()`).

    It is fresh while every `TownshipChange` of the township is visible in that snapshot, so a
    county page over 1,000 townships reads 1,000 small rows instead of 1,000 schemas and recounts
    only the townships that changed (`tenants.townships.rollups.rollup_rows`)."""

    township = models.ForeignKey(Township, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("figure"), max_length=80)
    params = models.CharField(_("parameters"), max_length=200, blank=True)
    payload = models.JSONField(_("figures"))
    snapshot = models.TextField(_("database snapshot"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("township rollup")
        constraints = [models.UniqueConstraint(fields=["township", "name", "params"], name="townshiprollup_unique")]

    def __str__(self) -> str:
        return f"{self.name} {self.params} ({self.township_id})"
