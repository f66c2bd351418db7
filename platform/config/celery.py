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

from tenant_schemas_celery.app import CeleryApp  # noqa: E402

from common.schedule import BEAT  # noqa: E402

app = CeleryApp("dangjian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every app registers its own periodic jobs in its AppConfig.ready() (common.schedule.periodic);
# beat reads this mapping after Django has set up the apps.
app.conf.beat_schedule = BEAT
