"""Beat jobs of the scoring year's rhythm; each is sent to every ready township by
`common.dispatch_to_townships` and is idempotent (running twice produces one result)."""
from celery import shared_task

from common.tasks import TenantOnlyTask
from scoring.periods import services


@shared_task(name="periods.close_months", base=TenantOnlyTask, ignore_result=True)
def close_months() -> list[str]:
    """Close every ended month after the township's last close (township-local calendar)."""
    return [str(close) for close in services.months_close_due()]


@shared_task(name="periods.open_publication", base=TenantOnlyTask, ignore_result=True)
def open_publication() -> str | None:
    """Publish the previous quarter (v1) once its last month is closed."""
    publication = services.publication_open_due()
    return str(publication) if publication else None
