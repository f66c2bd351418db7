"""The daily job of township recruitment, sent to every ready township by `common.dispatch_to_townships`:
offers past their deadline count as declined and the next candidate is offered (idempotent)."""
from celery import shared_task

from common.tasks import TenantOnlyTask
from staffing.recruitment import services


@shared_task(name="recruitment.offers_expire", base=TenantOnlyTask, ignore_result=True)
def offers_expire() -> int:
    return services.offers_expire()
