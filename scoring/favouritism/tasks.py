"""Beat job of the favouritism signals, sent to every ready township by
`common.dispatch_to_townships`; idempotent (a month is computed once, see SignalRun)."""
from celery import shared_task

from common.tasks import TenantOnlyTask
from scoring.favouritism import services


@shared_task(name="favouritism.compute_due", base=TenantOnlyTask, ignore_result=True)
def compute_due() -> list[str]:
    """Compute the signals of every closed month not computed yet."""
    return [str(run) for run in services.signals_compute_due()]
