"""The provisioning lock is still held when the township is marked.

Outside a test transaction (as in a Celery worker) django-tenants commits and closes the default
connection after migrating a new schema; a session lock taken on that connection was gone before
`township_provision` marked the township ready. This test runs provisioning the way a worker
does (its own connection in autocommit, nothing rolled back), asks a connection of its own whether it could take the
lock at the moment the status is written, and removes everything it committed afterwards.
"""
from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from audit.models import AuditEvent
from tenants.townships import services
from tenants.townships.models import Domain, Township
from tests.common.test_celery_worker import _database_url
from tests.db import triggers_off

pytestmark = pytest.mark.django_db

CODE = "locktest"


def lock_free_elsewhere(township_id: int) -> bool:
    """Whether another session can take the township's provisioning lock right now."""
    with psycopg.connect(_database_url(connection.settings_dict), autocommit=True) as other:
        taken = other.execute("SELECT pg_try_advisory_lock(%s, %s)",
                              [services.PROVISIONING_LOCK, township_id]).fetchone()[0]
        if taken:
            other.execute("SELECT pg_advisory_unlock(%s, %s)", [services.PROVISIONING_LOCK, township_id])
        return taken


def in_own_session(work):
    """Run `work()` in a thread: Django gives it a connection of its own, in autocommit and outside
    the test's transaction (as a worker's), closed afterwards. Returns work's result or raises."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive(), "provisioning did not finish"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def committed_township() -> Township:
    township = Township.objects.create(name="锁镇", code=CODE, schema_name=services.schema_name_for(CODE),
                                       status=Township.Status.PROVISIONING)
    Domain.objects.create(domain=CODE, tenant=township, is_primary=True)
    return township


def remove(township_id: int) -> None:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{services.schema_name_for(CODE)}" CASCADE')
    with triggers_off():
        AuditEvent.objects.filter(object_type="townships.township", object_id=str(township_id)).delete()
    Domain.objects.filter(tenant_id=township_id).delete()
    Township.objects.filter(pk=township_id).delete()


def test_the_township_is_marked_ready_while_the_lock_is_still_held(monkeypatch):
    observed = []
    mark = services._township_mark

    def observing_mark(township, **kwargs):
        observed.append((kwargs["status"], lock_free_elsewhere(township.pk)))
        return mark(township, **kwargs)

    monkeypatch.setattr(services, "_township_mark", observing_mark)

    def provision():
        township = committed_township()
        try:
            assert not connection.in_atomic_block  # as in a worker: migrate closes this connection
            done = services.township_provision(township_id=township.pk)
            return (done.status, schema_exists(township.schema_name), lock_free_elsewhere(township.pk),
                    list(AuditEvent.objects.filter(object_type="townships.township", object_id=str(township.pk))
                         .values_list("action", flat=True)))
        finally:
            remove(township.pk)

    assert in_own_session(provision) == (Township.Status.READY, True, True, ["township.ready"])
    assert observed == [(Township.Status.READY, False)]  # nobody else could take the lock then
    assert not Township.objects.filter(code=CODE).exists()
