from django.db import connection
from django.utils import timezone

from common.tasks import TenantOnlyTask
from config.celery import app
from tenants.organisation.roster import roster_import_process
from tenants.organisation.services import members_refresh_elderly


@app.task(name="organisation.refresh_elderly_flags", base=TenantOnlyTask)
def refresh_elderly_flags() -> int:
    """Daily, per township: flag members who have reached the elderly age (township's date)."""
    today = timezone.localdate(timezone=connection.tenant.time_zone_info())
    return members_refresh_elderly(today=today)


@app.task(name="organisation.roster_import_run", base=TenantOnlyTask, acks_late=True)
def roster_import_run(import_id: int) -> str:
    """Check and import one uploaded roster (idempotent: a finished import is left alone)."""
    return roster_import_process(import_id=import_id).status
