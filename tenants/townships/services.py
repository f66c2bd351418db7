"""Creating, provisioning and archiving townships.

A township row is created in a web request (fast); its schema is created by `township_provision`
in a Celery task, from the precompiled schema script (`schema_script`, a fraction of a second) or,
when that is stale, by Django's migrate (seconds).
Only `ready` townships are routed to and reached by scheduled jobs.
"""
from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name, schema_exists

from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, full_clean_or_raise
from notifications.selectors import county_admin_users
from notifications.services import notify
from tenants.townships import schema_script
from tenants.townships.citus import schema_distribute
from tenants.townships.models import Domain, Township

logger = logging.getLogger(__name__)

TOWNSHIP_CODE_TAKEN = _("A township with this code already exists.")
TOWNSHIP_ARCHIVED = _("This township is archived.")
TOWNSHIP_NOT_ARCHIVED = _("This township is not archived.")
ARCHIVE_REASON_REQUIRED = _("Give the reason for archiving this township.")
RESTORE_REASON_REQUIRED = _("Give the reason for restoring this township.")
ARCHIVE_CONFIRM_CODE = _("To confirm, type the township's code: %(code)s")
TOWNSHIP_NOT_FAILED = _("Only a township whose provisioning failed can be retried.")


def schema_name_for(code: str) -> str:
    return "t_" + code.replace("-", "_")


def county_ensure() -> Township:
    """The county's own row in the public schema (needed by the router). Idempotent."""
    county, _created = Township.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"name": "县委组织部", "code": "county", "status": Township.Status.READY,
                  "time_zone": settings.DEFAULT_TOWNSHIP_TIME_ZONE},
    )
    return county


@transaction.atomic
def township_create(*, actor, name: str, code: str, time_zone: str | None = None) -> Township:
    """Register a township and enqueue its provisioning once this transaction commits."""
    code = (code or "").strip().lower()
    if Township.objects.filter(code=code).exists() or Domain.objects.filter(domain=code).exists():
        raise DomainError(TOWNSHIP_CODE_TAKEN, field_errors={"code": [TOWNSHIP_CODE_TAKEN]})
    township = Township(
        name=(name or "").strip(), code=code, schema_name=schema_name_for(code),
        time_zone=time_zone or settings.DEFAULT_TOWNSHIP_TIME_ZONE, status=Township.Status.PROVISIONING,
    )
    full_clean_or_raise(township)
    township.save()
    Domain.objects.create(domain=code, tenant=township, is_primary=True)
    audit_record(actor=actor, action="township.create", instance=township, after=snapshot(township))

    from tenants.townships.tasks import provision_township

    transaction.on_commit(lambda: provision_township.delay(township.pk))
    return township


PROVISIONING_LOCK = 7301  # pg_advisory_lock(PROVISIONING_LOCK, township id)


@contextlib.contextmanager
def _provisioning_lock(township_id: int):
    """Serialise provisioning runs of one township until the township is marked.

    The session lock is held on a connection of its own: django-tenants commits and *closes* the
    default connection after migrating a schema (outside a transaction), which would release a
    lock taken there before the township is marked ready or failed, letting a second run in
    half-way. This connection is never handed to Django's connection handler, so nothing else
    closes it; closing it at the end releases the lock even if the unlock statement fails.
    """
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [PROVISIONING_LOCK, township_id])
        try:
            yield
        finally:
            connection.set_schema_to_public()
            with holder.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [PROVISIONING_LOCK, township_id])
    finally:
        holder.close()


def township_provision(*, township_id: int) -> Township:
    """Create the township's schema at the latest migrations, then mark it ready. Idempotent.

    Concurrent runs are serialised by a PostgreSQL advisory lock. On failure the schema this
    run created is dropped and the township is marked `failed` with the reason, never left
    half-ready; the error is re-raised so the task shows as failed too.
    """
    with _provisioning_lock(township_id):
        township = Township.objects.get(pk=township_id)
        if township.status == Township.Status.READY:
            return township
        if township.status == Township.Status.ARCHIVED:
            raise Conflict(TOWNSHIP_ARCHIVED)
        existed_before = schema_exists(township.schema_name)
        try:
            _schema_create(township, existed_before=existed_before)
            connection.set_schema_to_public()
            schema_distribute(schema_name=township.schema_name)  # Citus only, opt-in
        except Exception as exc:
            connection.set_schema_to_public()
            if not existed_before and schema_exists(township.schema_name):
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP SCHEMA "{township.schema_name}" CASCADE')
            _township_mark(township, status=Township.Status.FAILED, reason=f"{type(exc).__name__}: {exc}")
            logger.exception("provisioning of township %s failed", township.code)
            raise
        connection.set_schema_to_public()
        return _township_mark(township, status=Township.Status.READY, reason="")


def _schema_create(township: Township, *, existed_before: bool) -> None:
    """The township's schema: a spare made from the current script renamed (milliseconds; the pool
    is refilled in the background), else the script run (one transaction, all or nothing), else
    Django's migrate when the script is missing or stale (a warning says how to regenerate it).
    A schema that already exists is left to `create_schema`, as before."""
    script = None if existed_before else schema_script.script_current()
    if script is None:
        township.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
        return
    if schema_script.spare_claim(schema_name=township.schema_name):
        if settings.TOWNSHIP_SPARE_SCHEMAS > 0:
            from tenants.townships.tasks import spares_fill

            transaction.on_commit(spares_fill.delay)
        return
    schema_script.schema_create_from_script(schema_name=township.schema_name, script=script)


@transaction.atomic
def _township_mark(township: Township, *, status: str, reason: str) -> Township:
    township = Township.objects.select_for_update().get(pk=township.pk)
    before = snapshot(township, fields=["status", "failure_reason"])
    township.status = status
    township.failure_reason = reason[:2000]
    if status == Township.Status.READY:
        township.provisioned_at = clock.now()
    township.save(update_fields=["status", "failure_reason", "provisioned_at"])
    audit_record(
        actor=None, action=f"township.{status}", instance=township,
        before=before, after=snapshot(township, fields=["status", "failure_reason"]),
    )
    if status in (Township.Status.READY, Township.Status.FAILED):
        notify(
            event="township.provisioned" if status == Township.Status.READY else "township.provisioning_failed",
            recipients=county_admin_users(), township=township,
            context={"code": township.code, "name": township.name, "reason": township.failure_reason},
        )
    return township


@transaction.atomic
def township_retry_provisioning(*, actor, township: Township) -> Township:
    township = Township.objects.select_for_update().get(pk=township.pk)
    if township.status != Township.Status.FAILED:
        raise Conflict(TOWNSHIP_NOT_FAILED)
    township.status = Township.Status.PROVISIONING
    township.save(update_fields=["status"])
    audit_record(actor=actor, action="township.retry", instance=township)

    from tenants.townships.tasks import provision_township

    transaction.on_commit(lambda: provision_township.delay(township.pk))
    return township


@transaction.atomic
def township_archive(*, actor, township: Township, reason: str, confirm: str) -> Township:
    """Take a township out of service: no routing, no scheduled jobs; the schema and its data are
    kept, and the county can restore it. Asks for the reason and, as confirmation, the township's
    code typed out (a single click or a stray API call cannot take a township offline)."""
    township = Township.objects.select_for_update().get(pk=township.pk)
    if township.status == Township.Status.ARCHIVED:
        raise Conflict(TOWNSHIP_ARCHIVED)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ARCHIVE_REASON_REQUIRED, field_errors={"reason": [ARCHIVE_REASON_REQUIRED]})
    if (confirm or "").strip().lower() != township.code:
        message = ARCHIVE_CONFIRM_CODE % {"code": township.code}
        raise DomainError(message, field_errors={"confirm": [message]})
    before = snapshot(township, fields=["status", "archived_at", "archive_reason"])
    township.status = Township.Status.ARCHIVED
    township.archived_at = clock.now()
    township.archive_reason = reason
    full_clean_or_raise(township)
    township.save(update_fields=["status", "archived_at", "archive_reason"])
    audit_record(actor=actor, action="township.archive", instance=township, before=before,
                 after={"status": township.status, "reason": reason})
    return township


@transaction.atomic
def township_restore(*, actor, township: Township, reason: str) -> Township:
    """Bring an archived township back: ready again when its schema exists, else failed (so the
    county can retry its provisioning). The reason is recorded."""
    township = Township.objects.select_for_update().get(pk=township.pk)
    if township.status != Township.Status.ARCHIVED:
        raise Conflict(TOWNSHIP_NOT_ARCHIVED)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(RESTORE_REASON_REQUIRED, field_errors={"reason": [RESTORE_REASON_REQUIRED]})
    before = snapshot(township, fields=["status", "archived_at", "archive_reason"])
    township.status = Township.Status.READY if schema_exists(township.schema_name) else Township.Status.FAILED
    township.archived_at = None
    township.archive_reason = ""
    township.save(update_fields=["status", "archived_at", "archive_reason"])
    audit_record(actor=actor, action="township.restore", instance=township, before=before,
                 after={"status": township.status, "reason": reason})
    return township
