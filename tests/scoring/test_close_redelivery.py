"""A worker killed (SIGKILL) in the middle of a monthly close: the broker redelivers the task and
exactly one close, seal and anchor result; nothing half-written survives the dead worker.

Uses a township of its own (`gamma`, committed, dropped again at the end) because a real worker
only sees committed rows, and a real `celery worker` subprocess on its own queue. The close is
held in the middle by a row lock on the ledger head that the test takes from another connection;
the worker blocks on it inside its transaction, is killed there, and a second worker started
after the (shortened) visibility timeout receives the unacknowledged task again.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import psycopg
import pytest
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from config.celery import app as celery_app
from tests.common.test_celery_worker import REPO_ROOT, _database_url, _forget_queue, _log_tail, _stop
from tests.conftest import DEFAULT_MOMENT
from tests.db import triggers_off
from tests.pinned import pinned_command

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

VISIBILITY = 2  # seconds, for this test's workers only


def _start_worker(queue: str, node: str, log_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(["platform", "."]),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": celery_app.conf.broker_url,
        "CELERY_RESULT_BACKEND": celery_app.conf.result_backend,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    }
    command = pinned_command(DEFAULT_MOMENT, "celery", "-A", "config", "worker", "-Q", queue, "-n", node,
                             "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                             "--without-heartbeat")
    with log_path.open("ab") as log:
        proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    started = time.monotonic()
    while not celery_app.control.ping(destination=[node], timeout=0.5):
        if proc.poll() is not None or time.monotonic() - started > 60:
            _stop(proc)
            pytest.fail(f"worker did not start:\n{_log_tail(log_path)}")
    return proc


def _wait(predicate, seconds: float, what: str, log_path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}:\n{_log_tail(log_path)}")


@pytest.fixture(scope="module")
def gamma(django_db_setup, django_db_blocker):
    """A committed township with its own schema (and ledger head), removed again (schema dropped)
    when the module ends. Module-scoped, so it is created outside any test's transaction."""
    from audit.models import AuditEvent
    from notifications.models import Notification
    from scoring.county.models import CountyPolicy, LedgerAnchor, LedgerSeal
    from tenants.townships.models import Domain, Township
    from tenants.townships.services import schema_name_for

    with django_db_blocker.unblock():
        had_policy = CountyPolicy.objects.filter(pk=1).exists()  # the worker's close may create it
        township = Township.objects.create(code="gamma", name="Gamma 镇", schema_name=schema_name_for("gamma"),
                                           status=Township.Status.READY)
        Domain.objects.create(domain="gamma", tenant=township, is_primary=True)
        township.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
        from scoring.ledger.models import LedgerHead

        with tenant_context(township):
            LedgerHead.objects.get_or_create(pk=1)
        connection.set_schema_to_public()
        try:
            yield township
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{township.schema_name}" CASCADE')
            with triggers_off():
                LedgerSeal.objects.filter(township=township).delete()
                LedgerAnchor.objects.filter(township=township).delete()
                AuditEvent.objects.filter(object_type="townships.township", object_id=str(township.pk)).delete()
            Notification.objects.filter(township=township).delete()
            Domain.objects.filter(tenant=township).delete()
            Township.objects.filter(pk=township.pk).delete()
            if not had_policy:
                CountyPolicy.objects.filter(pk=1).delete()


def test_a_close_killed_mid_way_is_redelivered_and_closes_once(gamma, tmp_path):
    from scoring.county.models import LedgerAnchor, LedgerSeal
    from scoring.periods.models import MonthClose
    from scoring.periods.tasks import close_months

    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path / "worker.log"
    first = _start_worker(queue, f"{queue}-1@pytest", log_path)
    locker = psycopg.connect(_database_url(connection.settings_dict), autocommit=False)
    second = None
    celery_app.conf.task_always_eager = False
    try:
        # Hold the ledger head: the close will start, open its transaction and wait on this lock.
        locker.execute(f'SET search_path TO "{gamma.schema_name}", public')
        locker.execute("SELECT 1 FROM ledger_ledgerhead WHERE id = 1 FOR UPDATE")
        with tenant_context(gamma):
            close_months.apply_async(queue=queue)

        def worker_waits_on_the_lock() -> bool:
            # Statistics views are a snapshot per transaction: take a fresh one each time.
            locker.execute("SELECT pg_stat_clear_snapshot()")
            row = locker.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                 "AND datname = current_database() AND pid <> pg_backend_pid()").fetchone()
            return row[0] > 0

        _wait(worker_waits_on_the_lock, 120, "the close to block mid-way", log_path)
        os.killpg(os.getpgid(first.pid), signal.SIGKILL)  # no warm shutdown, no ack
        first.wait(timeout=15)
        locker.rollback()  # release the head
        with tenant_context(gamma):
            assert MonthClose.objects.count() == 0  # the dead worker's transaction left nothing

        time.sleep(VISIBILITY + 1)
        second = _start_worker(queue, f"{queue}-2@pytest", log_path)

        def closed() -> bool:
            with schema_context(gamma.schema_name):
                return MonthClose.objects.exists()

        _wait(closed, 120, "the redelivered close", log_path)
        time.sleep(1)  # let a (wrong) second delivery show itself
        with tenant_context(gamma):
            closes = list(MonthClose.objects.values_list("year", "month"))
        assert closes == [(2026, 10)]  # the month that ended before the pinned 20 November
        assert LedgerSeal.objects.filter(township=gamma).count() == 1
        assert LedgerAnchor.objects.filter(township=gamma, reason="close").count() == 1
    finally:
        celery_app.conf.task_always_eager = True
        locker.close()
        for proc in (first, second):
            if proc is not None:
                _stop(proc)
        _forget_queue(queue, f"{queue}-1@pytest")
        _forget_queue(queue, f"{queue}-2@pytest")
