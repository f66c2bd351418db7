"""Celery plumbing shared by every app.

- `TenantOnlyTask`: base for tasks that read township data; it refuses to run in the public
  schema instead of silently reading nothing (or the county's tables).
- `dispatch_to_townships`: the one dispatcher that beat calls for each periodic job; it sends the
  job once to every ready township, each with that township's schema in its headers.
"""
import logging

from celery import current_app, shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name, tenant_context
from tenant_schemas_celery.task import TenantTask

logger = logging.getLogger(__name__)


class TenantContextMissing(RuntimeError):
    """A township task ran without a township schema."""


class TenantOnlyTask(TenantTask):
    abstract = True

    def __call__(self, *args, **kwargs):
        if connection.schema_name == get_public_schema_name():
            raise TenantContextMissing(
                f"Task {self.name} needs a township schema but runs in the public schema; "
                "enqueue it inside the township (request, tenant_context or the dispatcher)."
            )
        return super().__call__(*args, **kwargs)


@shared_task(name="common.dispatch_to_townships", ignore_result=True)
def dispatch_to_townships(task_name: str, *args) -> list[str]:
    """Send `task_name` once to each ready township. Returns the schemas it was sent to."""
    from tenants.townships.selectors import township_list_ready

    # The registered task, not `app.send_task(task_name)`: send_task ignores eager mode (in tests
    # the jobs would go to the real broker instead of running) and sends a misspelt name anyway.
    # An unknown name raises NotRegistered here, before anything is sent. Either way the
    # tenant-aware app puts the township's schema in the headers.
    task = current_app.tasks[task_name]
    sent = []
    for township in township_list_ready():
        with tenant_context(township):
            task.apply_async(args=args)
        sent.append(township.schema_name)
    logger.info("dispatched %s to %d townships", task_name, len(sent))
    return sent


@shared_task(name="common.whereami", base=TenantOnlyTask)
def whereami(database: bool = False) -> dict:
    """Report the schema and township a task runs in (health checks and tests of routing); with
    `database`, also what PostgreSQL itself resolves to on the worker's (reused) connection."""
    tenant = connection.tenant
    report = {"schema": connection.schema_name, "code": getattr(tenant, "code", None)}
    if database:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema(), current_setting('search_path')")
            report["current_schema"], report["search_path"] = cursor.fetchone()
    return report
