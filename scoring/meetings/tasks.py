"""Beat job of meetings, sent to every ready township by `common.dispatch_to_townships`. The overdue
reminders run through the reminder registry (`scoring.meetings.notices`, rule `meeting.overdue`)."""
from celery import shared_task

from common.tasks import TenantOnlyTask
from scoring.meetings import services


@shared_task(name="meetings.reversals_due", base=TenantOnlyTask, ignore_result=True)
def reversals_due() -> int:
    """Propose the reversals corrections left waiting for entries that have posted since (idempotent)."""
    return services.reversals_due()
