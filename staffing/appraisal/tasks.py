"""Beat jobs of appraisal and pay, sent to every ready township by `common.dispatch_to_townships`;
both are idempotent (a period is created once and closed once; a draft sheet is recomputed, an approved
one never touched)."""
import logging

from celery import shared_task
from django.db import connection

from common import clock
from common.errors import DomainError
from common.tasks import TenantOnlyTask
from staffing.appraisal import services
from staffing.appraisal.models import PaySheet

log = logging.getLogger(__name__)


@shared_task(name="appraisal.periods", base=TenantOnlyTask, ignore_result=True)
def periods() -> int:
    """Close the periods that have ended, open the current one; returns how many were closed."""
    closed = services.periods_close_due()
    services.period_open()
    return closed


@shared_task(name="appraisal.pay_prepare", base=TenantOnlyTask, ignore_result=True)
def pay_prepare() -> str:
    """Prepare (or recompute) this month's draft pay sheet; an approved month, a missing policy or a
    clerk below the floor leaves it for the office (logged)."""
    today = clock.today(connection.tenant)
    if PaySheet.objects.filter(year=today.year, month=today.month, status=PaySheet.Status.APPROVED).exists():
        return "approved"
    try:
        services.pay_sheet_prepare(actor=None, year=today.year, month=today.month)
    except DomainError as exc:
        log.info("pay sheet %s-%02d not prepared: %s", today.year, today.month, exc)
        return "refused"
    return "prepared"
