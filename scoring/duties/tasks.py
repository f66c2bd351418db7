"""Beat job of the light duties, sent to every ready township by `common.dispatch_to_townships`;
idempotent (one proposal round per closed month and per year end, see DutyRun)."""
from celery import shared_task

from common.tasks import TenantOnlyTask
from scoring.duties import services


@shared_task(name="duties.propose_due", base=TenantOnlyTask, ignore_result=True)
def propose_due() -> list[str]:
    """Propose duties for every recently closed month (and closed year) not proposed yet."""
    return [str(run) for run in services.duties_propose_due()]
