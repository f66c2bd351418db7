"""`dispatch_to_townships`: every periodic job goes through it and reaches ready townships only.

Eager mode (conftest): the dispatcher and the jobs it sends run in this process; a `task_postrun`
receiver records which task ran in which schema.
"""
from __future__ import annotations

import datetime as dt

import pytest
from celery import signals
from celery.exceptions import NotRegistered
from django.db import connection

from common.tasks import TenantContextMissing, TenantOnlyTask, dispatch_to_townships
from config.celery import app as celery_app
from tenants.townships.models import Township

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _tasks_discovered():
    """Import every app's tasks module, as a worker does when it starts (autodiscovery is lazy)."""
    celery_app.loader.import_default_modules()


@pytest.fixture
def ran():
    """List of (task name, schema, return value) for every task that ran during the test."""
    runs: list[tuple[str, str, object]] = []

    def record(sender=None, retval=None, **kwargs):
        runs.append((sender.name, connection.schema_name, retval))

    signals.task_postrun.connect(record, weak=False, dispatch_uid="test_dispatch_ran")
    yield runs
    signals.task_postrun.disconnect(dispatch_uid="test_dispatch_ran")


@pytest.fixture
def not_ready_townships(db):
    """Townships that must never get a job: rows only, no schema (provisioning never got that far)."""
    return [
        Township.objects.create(code=code, name=f"{code}镇", schema_name=f"t_{code}", status=status)
        for code, status in (
            ("gamma", Township.Status.PROVISIONING),
            ("delta", Township.Status.FAILED),
            ("epsilon", Township.Status.ARCHIVED),
        )
    ]


def _ready_schemas() -> list[str]:
    return list(
        Township.objects.filter(status=Township.Status.READY).exclude(schema_name="public")
        .order_by("code").values_list("schema_name", flat=True)
    )


def test_dispatch_reaches_exactly_the_ready_townships(not_ready_townships, ran):
    expected = _ready_schemas()
    assert {"t_alpha", "t_beta"} <= set(expected)
    assert not {"t_gamma", "t_delta", "t_epsilon"} & set(expected)

    sent = dispatch_to_townships.delay("common.whereami").get()

    assert sent == expected
    assert ran == [
        *[("common.whereami", schema, {"schema": schema, "code": schema.removeprefix("t_")}) for schema in expected],
        ("common.dispatch_to_townships", "public", expected),
    ]
    assert connection.schema_name == "public"


def test_dispatch_skips_a_township_once_it_is_archived(not_ready_townships, township_b, ran):
    Township.objects.filter(pk=township_b.pk).update(status=Township.Status.ARCHIVED)
    expected = _ready_schemas()
    assert "t_alpha" in expected
    assert "t_beta" not in expected

    assert dispatch_to_townships.delay("common.whereami").get() == expected
    assert [schema for name, schema, _ in ran if name == "common.whereami"] == expected


def test_dispatch_passes_arguments_and_runs_the_daily_job_in_each_township(in_township, township_a, township_b, ran):
    """The beat entry's job end to end: one old member per township, each flagged in its own schema."""
    from tenants.organisation.models import Member
    from tests.factories import MemberFactory

    old = {}
    for township in (township_a, township_b):
        with in_township(township):
            old[township.code] = MemberFactory(birth_date=dt.date(1941, 3, 4)).pk

    expected = _ready_schemas()
    assert dispatch_to_townships.delay("organisation.refresh_elderly_flags").get() == expected

    jobs = [(schema, retval) for name, schema, retval in ran if name == "organisation.refresh_elderly_flags"]
    assert jobs == [(schema, 1 if schema in ("t_alpha", "t_beta") else 0) for schema in expected]
    for township in (township_a, township_b):
        with in_township(township):
            assert list(Member.objects.values_list("pk", "is_elderly")) == [(old[township.code], True)]


def test_dispatch_sends_nothing_when_no_township_is_ready(township_a, township_b, ran):
    Township.objects.exclude(schema_name="public").update(status=Township.Status.FAILED)

    assert dispatch_to_townships.delay("common.whereami").get() == []
    assert ran == [("common.dispatch_to_townships", "public", [])]


def test_dispatch_of_an_unknown_task_fails_before_sending_anything(ran):
    with pytest.raises(NotRegistered, match="organisation.no_such_job"):
        dispatch_to_townships.delay("organisation.no_such_job")
    assert [name for name, _, _ in ran] == ["common.dispatch_to_townships"]


def test_every_beat_entry_names_a_registered_task_and_township_jobs_go_through_the_dispatcher():
    """Beat runs in the public schema: a township-only job scheduled directly would fail every day.

    So each entry is either the dispatcher with a registered township-only job, or a registered
    public-schema task (e.g. the notifications outbox, which lives in the public schema).
    """
    dispatcher = "common.dispatch_to_townships"
    schedule = celery_app.conf.beat_schedule
    assert not isinstance(celery_app.tasks[dispatcher], TenantOnlyTask)
    township_jobs = {}
    for entry_name, entry in schedule.items():
        assert entry["task"] in celery_app.tasks, f"{entry_name}: {entry['task']} is not a registered task"
        if entry["task"] == dispatcher:
            job_name, *_ = entry["args"]
            assert job_name in celery_app.tasks, f"{entry_name}: {job_name} is not a registered task"
            assert isinstance(celery_app.tasks[job_name], TenantOnlyTask), f"{entry_name}: {job_name} is not township-only"
            township_jobs[entry_name] = job_name
        else:
            assert not isinstance(celery_app.tasks[entry["task"]], TenantOnlyTask), (
                f"{entry_name}: township-only {entry['task']} must be scheduled through {dispatcher}"
            )
    assert township_jobs["organisation-refresh-elderly-flags"] == "organisation.refresh_elderly_flags"


def test_every_township_only_task_registered_is_fail_loud_in_public(ran):
    """Each TenantOnlyTask refuses the public schema (what beat would hit without the dispatcher)."""
    names = sorted(name for name, task in celery_app.tasks.items() if isinstance(task, TenantOnlyTask))
    assert {"common.whereami", "organisation.refresh_elderly_flags"} <= set(names)
    for name in names:
        with pytest.raises(TenantContextMissing, match=f"Task {name} needs a township schema"):
            celery_app.tasks[name].apply()  # apply(): no argument check, the schema check comes first
    assert [(name, schema) for name, schema, _ in ran] == [(name, "public") for name in names]
