"""The tenant-aware Celery app with a REAL worker process (not eager), real Redis and PostgreSQL.

The worker is `celery -A config worker` in a subprocess that uses the session's test database, where
tests/conftest.py committed the townships alpha and beta. It listens on a queue of its own, so it
never takes another process's tasks, and nobody else takes its tasks. Each test runs in a rolled-back
transaction the worker cannot see, so routing is proven with committed rows only: the township row
the worker loads for the schema in the task's headers (`connection.tenant`).
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from common.tasks import TenantContextMissing, whereami
from config.celery import app as celery_app
from tests.conftest import DEFAULT_MOMENT
from tests.pinned import pinned_command

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60  # seconds for the worker to answer a ping
RESULT_TIMEOUT = 30


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgresql://{credentials}@{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no worker log)"


def _stop(proc: subprocess.Popen) -> None:
    """Warm shutdown of the whole process group, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    pgid = os.getpgid(proc.pid)
    os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(pgid, signal.SIGKILL)
        proc.wait(timeout=15)


def _forget_queue(queue: str, node: str) -> None:
    """Remove the Redis keys and bindings that this worker's queue and pidbox left behind."""
    client = redis.Redis.from_url(celery_app.conf.broker_url)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        for key in (b"_kombu.binding.celery.pidbox", b"_kombu.binding_permanent.celery.pidbox"):
            members = [m for m in client.smembers(key) if node.encode() in m]
            if members:
                client.srem(key, *members)
    finally:
        client.close()


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, tmp_path_factory):
    """A `celery -A config worker` subprocess on the session's test database and its own queue.

    Yields the queue name. The worker is stopped (whole process group) when the module ends, before
    pytest-django drops the test database it is connected to.
    """
    run_id = uuid.uuid4().hex[:12]
    queue = f"test-{run_id}"
    node = f"{queue}@pytest"
    log_path = tmp_path_factory.mktemp("celery-worker") / "worker.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(["platform", "."]),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": celery_app.conf.broker_url,
        "CELERY_RESULT_BACKEND": celery_app.conf.result_backend,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    # The worker's clock is pinned like the tests' (at the suite's default moment, ticking).
    command = pinned_command(
        DEFAULT_MOMENT, "celery", "-A", "config", "worker",
        "-Q", queue, "-n", node, "--pool=solo", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    )
    started = time.monotonic()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Celery worker exited with {proc.returncode}:\n{_log_tail(log_path)}")
            if celery_app.control.ping(destination=[node], timeout=0.5):
                break
            if time.monotonic() - started > READY_TIMEOUT:
                pytest.fail(f"Celery worker not ready after {READY_TIMEOUT}s:\n{_log_tail(log_path)}")
        print(f"\ncelery worker {node} ready in {time.monotonic() - started:.2f}s")
        yield queue
    finally:
        _stop(proc)
        _forget_queue(queue, node)
    assert proc.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # no process of the worker's group is left


@pytest.fixture
def real_worker(celery_worker):
    """Switch the conftest's eager mode off for one test; yields the worker's queue."""
    celery_app.conf.task_always_eager = False
    try:
        yield celery_worker
    finally:
        celery_app.conf.task_always_eager = True


def _run(queue: str):
    result = whereami.apply_async(queue=queue)
    try:
        return result.get(timeout=RESULT_TIMEOUT)
    finally:
        result.forget()


@pytest.mark.parametrize("code", ["alpha", "beta"])
def test_task_sent_inside_a_township_runs_in_its_schema(real_worker, in_township, code):
    from tenants.townships.models import Township

    township = Township.objects.get(code=code)
    with in_township(township):
        result = whereami.apply_async(queue=real_worker)
    assert result.get(timeout=RESULT_TIMEOUT) == {"schema": f"t_{code}", "code": code}
    assert result.state == "SUCCESS"
    result.forget()


def test_task_sent_from_public_schema_fails_loudly(real_worker):
    assert connection.schema_name == "public"
    result = whereami.apply_async(queue=real_worker)
    with pytest.raises(TenantContextMissing, match="common.whereami needs a township schema"):
        result.get(timeout=RESULT_TIMEOUT)
    assert result.state == "FAILURE"
    result.forget()


def test_one_worker_switches_schema_per_task_and_never_leaks(real_worker, in_township, township_a, township_b):
    """A solo worker reuses one connection: each task gets its own schema, a public task still fails."""
    sent = []
    for township in (township_a, township_b, None, township_a, None, township_b):
        if township is None:
            sent.append(("public", whereami.apply_async(queue=real_worker)))
        else:
            with in_township(township):
                sent.append((township.code, whereami.apply_async(queue=real_worker)))
    outcomes = []
    for origin, result in sent:
        try:
            outcomes.append((origin, result.get(timeout=RESULT_TIMEOUT)))
        except TenantContextMissing:
            outcomes.append((origin, "TenantContextMissing"))
        finally:
            result.forget()
    assert outcomes == [
        ("alpha", {"schema": "t_alpha", "code": "alpha"}),
        ("beta", {"schema": "t_beta", "code": "beta"}),
        ("public", "TenantContextMissing"),
        ("alpha", {"schema": "t_alpha", "code": "alpha"}),
        ("public", "TenantContextMissing"),
        ("beta", {"schema": "t_beta", "code": "beta"}),
    ]


def test_the_workers_reused_connection_follows_each_tasks_schema_in_the_database(real_worker, in_township,
                                                                                township_a, township_b):
    """With TENANT_LIMIT_SET_CALLS the worker sends `SET search_path` only when the schema changes:
    PostgreSQL itself must still resolve each task's tables in that task's township."""
    sent = []
    for township in (township_a, township_a, township_b, None, township_b, township_a):
        if township is None:
            sent.append(("public", whereami.apply_async(kwargs={"database": True}, queue=real_worker)))
        else:
            with in_township(township):
                sent.append((township.code, whereami.apply_async(kwargs={"database": True}, queue=real_worker)))
    outcomes = []
    for origin, result in sent:
        try:
            report = result.get(timeout=RESULT_TIMEOUT)
            outcomes.append((origin, report["current_schema"], report["search_path"]))
        except TenantContextMissing:
            outcomes.append((origin, "TenantContextMissing", None))
        finally:
            result.forget()
    assert outcomes == [
        ("alpha", "t_alpha", "t_alpha, public"),
        ("alpha", "t_alpha", "t_alpha, public"),
        ("beta", "t_beta", "t_beta, public"),
        ("public", "TenantContextMissing", None),
        ("beta", "t_beta", "t_beta, public"),
        ("alpha", "t_alpha", "t_alpha, public"),
    ]


def test_sending_leaves_the_callers_schema_alone(real_worker, in_township, township_a):
    with in_township(township_a):
        assert _run(real_worker) == {"schema": "t_alpha", "code": "alpha"}
        assert connection.schema_name == "t_alpha"
    assert connection.schema_name == "public"


@pytest.fixture(scope="module")
def committed_old_members(django_db_setup, django_db_blocker):
    """One active 80-year-old member in alpha and one in beta, COMMITTED so the worker sees them.

    Removed again (with the audit events the worker wrote about them) when the module ends, so the
    session's other tests find the townships as they were.
    """
    from django_tenants.utils import tenant_context

    from audit.models import AuditEvent
    from tenants.organisation.models import Branch, Member, Village
    from tenants.townships.models import Township
    from tests.db import triggers_off
    from tests.factories import MemberFactory

    with django_db_blocker.unblock():
        townships = {code: Township.objects.get(code=code) for code in ("alpha", "beta")}
        members = {}
        for code, township in townships.items():
            with tenant_context(township):
                members[code] = MemberFactory(name=f"{code}老党员", birth_date=dt.date(1940, 5, 6)).pk
        connection.set_schema_to_public()
        try:
            yield members
        finally:
            for code, township in townships.items():
                with tenant_context(township), triggers_off():
                    AuditEvent.objects.filter(object_type="organisation.member", object_id=str(members[code])).delete()
                    member = Member.objects.get(pk=members[code])
                    branch = Branch.objects.get(pk=member.branch_id)
                    member.delete()
                    branch.delete()
                    Village.objects.filter(pk=branch.village_id).delete()
            connection.set_schema_to_public()


def test_worker_reads_and_writes_the_townships_own_tables(committed_old_members, real_worker, in_township,
                                                         township_a, township_b):
    """The worker runs the daily job against the committed rows of the schema the task was sent from."""
    from audit.models import AuditEvent
    from tenants.organisation.models import Member
    from tenants.organisation.tasks import refresh_elderly_flags

    def flags_and_events(township):
        with in_township(township):
            return (
                list(Member.objects.order_by("pk").values_list("pk", "is_elderly")),
                list(AuditEvent.objects.filter(action="member.flag_elderly").values_list("object_id", flat=True)),
            )

    def run_in(township):
        with in_township(township):
            result = refresh_elderly_flags.apply_async(queue=real_worker)
        try:
            return result.get(timeout=RESULT_TIMEOUT)
        finally:
            result.forget()

    alpha_id, beta_id = committed_old_members["alpha"], committed_old_members["beta"]
    assert run_in(township_a) == 1
    assert flags_and_events(township_a) == ([(alpha_id, True)], [str(alpha_id)])
    assert flags_and_events(township_b) == ([(beta_id, False)], [])

    assert run_in(township_b) == 1
    assert flags_and_events(township_b) == ([(beta_id, True)], [str(beta_id)])

    assert run_in(township_a) == 0  # idempotent: nothing more changes, no second audit event
    assert flags_and_events(township_a) == ([(alpha_id, True)], [str(alpha_id)])
