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

from celery.signals import task_postrun  # noqa: E402
from tenant_schemas_celery.app import CeleryApp  # noqa: E402

from common.schedule import BEAT  # noqa: E402

app = CeleryApp("dangjian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every app registers its own periodic jobs in its AppConfig.ready() (common.schedule.periodic);
# beat reads this mapping after Django has set up the apps.
app.conf.beat_schedule = BEAT


@task_postrun.connect(dispatch_uid="dangjian_restore_township_object", weak=False)
def _restore_township_object(**kwargs):
    """tenant-schemas-celery restores the caller's *schema* after a task that ran in-process (eager,
    e.g. during `seed_demo`), which leaves `connection.tenant` a bare stand-in without the
    township's fields (code, name, time zone). Put the township itself back, so code that reads
    `connection.tenant` after an eager task sees the real township."""
    from django.db import connection
    from django_tenants.utils import get_public_schema_name

    from tenants.townships.models import Township

    tenant = getattr(connection, "tenant", None)
    schema = getattr(connection, "schema_name", None)
    if tenant is None or isinstance(tenant, Township) or not schema or schema == get_public_schema_name():
        return
    township = Township.objects.filter(schema_name=schema).first()
    if township is not None:
        connection.set_tenant(township)
