from django.db import connection
from django.utils import timezone

from common.tasks import TenantOnlyTask
from config.celery import app
from tenants.organisation.services import members_refresh_elderly


@app.task(name="organisation.refresh_elderly_flags", base=TenantOnlyTask)
def refresh_elderly_flags() -> int:
    """Daily, per township: flag members who have reached the elderly age (township's date)."""
    today = timezone.localdate(timezone=connection.tenant.time_zone_info())
    return members_refresh_elderly(today=today)
