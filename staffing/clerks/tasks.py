"""Beat jobs of the clerks app, sent to every ready township by `common.dispatch_to_townships`;
both are idempotent (the scope is recomputed from the placements; reminders are sent once per key)."""
from celery import shared_task

from common.tasks import TenantOnlyTask
from staffing.clerks import services


@shared_task(name="clerks.apply_placements", base=TenantOnlyTask, ignore_result=True)
def apply_placements() -> int:
    """Placements whose start or end date has come change the clerk role's villages."""
    return services.placements_apply_due()
