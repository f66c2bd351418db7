from celery import shared_task
from django.db import connection

from common import clock
from common.tasks import TenantOnlyTask
from tenants.organisation.roster import roster_import_process
from tenants.organisation.services import members_refresh_elderly


@shared_task(name="organisation.refresh_elderly_flags", base=TenantOnlyTask)
def refresh_elderly_flags() -> int:
    """Daily, per township: flag members who have reached the elderly age (township's date)."""
    today = clock.today(connection.tenant)
    return members_refresh_elderly(today=today)


@shared_task(name="organisation.roster_import_run", base=TenantOnlyTask, acks_late=True)
def roster_import_run(import_id: int) -> str:
    """Check and import one uploaded roster (idempotent: a finished import is left alone)."""
    return roster_import_process(import_id=import_id).status
