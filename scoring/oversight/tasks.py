"""The daily draw job, sent to every ready township by `common.dispatch_to_townships`."""
from celery import shared_task

from common.tasks import TenantOnlyTask
from scoring.oversight import services


@shared_task(name="oversight.draws_run", base=TenantOnlyTask, ignore_result=True)
def draws_run() -> dict:
    """Commit next month's seed and draw this month once due; idempotent."""
    return services.draws_due()
