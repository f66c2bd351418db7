"""The tenant-aware Celery app.

Tasks sent through this app carry the current schema in the `_schema_name` header
(tenant-schemas-celery), so a task enqueued inside a township runs in that township's schema.
Periodic jobs are fanned out by `common.tasks.dispatch_to_townships`, which reaches only
townships whose status is `ready`.
"""
import os
import sys
from pathlib import Path

_PLATFORM = Path(__file__).resolve().parent.parent
for _path in (_PLATFORM, _PLATFORM.parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from celery.signals import task_postrun, task_prerun  # noqa: E402
from tenant_schemas_celery.app import CeleryApp, restore_schema, switch_schema  # noqa: E402

from common.schedule import BEAT  # noqa: E402

app = CeleryApp("dangjian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every app registers its own periodic jobs in its AppConfig.ready() (common.schedule.periodic);
# beat reads this mapping after Django has set up the apps.
app.conf.beat_schedule = BEAT

# tenant-schemas-celery switches to the task's schema before it runs and back afterwards, but it
# restores only the schema *name*: the connection is left holding a placeholder (FakeTenant) in
# place of the caller's township, and any later `filter(township=connection.tenant)` in the
# caller fails. That matters whenever a task runs in-process (eager: seed_demo, tests, nested
# dispatch). Its handlers are replaced by a pair that puts back the caller's own tenant object,
# keyed by task id so nested tasks unwind in order, without a query (the caller's transaction may
# be aborted when a task failed inside it).
task_prerun.disconnect(switch_schema, dispatch_uid="tenant_schemas_switch_schema")
task_postrun.disconnect(restore_schema, dispatch_uid="tenant_schemas_restore_schema")
_CALLER_TENANTS: dict[str, dict] = {}


@task_prerun.connect(dispatch_uid="dangjian_enter_task_schema", weak=False)
def _enter_task_schema(task_id=None, task=None, kwargs=None, **_signal):
    from django.db import connections

    _CALLER_TENANTS[task_id] = {
        alias: (connections[alias].tenant, connections[alias].include_public_schema)
        for alias in task.get_tenant_databases()
    }
    switch_schema(task, kwargs)


@task_postrun.connect(dispatch_uid="dangjian_leave_task_schema", weak=False)
def _leave_task_schema(task_id=None, task=None, **_signal):
    from django.db import connections

    for alias, (tenant, include_public) in _CALLER_TENANTS.pop(task_id, {}).items():
        connection = connections[alias]
        if connection.tenant is tenant and connection.include_public_schema == include_public:
            continue
        if tenant is None:
            connection.set_schema_to_public()
        else:
            connection.set_tenant(tenant, include_public)
