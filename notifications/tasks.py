"""Celery tasks of the notifications app: ids in, load rows, call a service.

Delivery, the sweeper and the digest are public-schema tasks; each registered reminder rule runs
once per ready township through `common.dispatch_to_townships` (`run_reminder`).
"""
import logging

from celery import shared_task
from django.db import connection

from common.tasks import TenantOnlyTask
from notifications import reminders, services
from notifications.channels import TransientDeliveryError

logger = logging.getLogger(__name__)


@shared_task(name="notifications.deliver", bind=True, ignore_result=True, acks_late=True,
          max_retries=services.MAX_ATTEMPTS)
def deliver(self, delivery_id: int) -> str:
    """Deliver one outbox row. Transient channel errors retry with exponential backoff; the
    number of attempts is bounded by the row itself (services.MAX_ATTEMPTS)."""
    try:
        return services.delivery_send(delivery_id=delivery_id)
    except TransientDeliveryError as exc:
        raise self.retry(exc=exc, countdown=getattr(exc, "retry_in", 60)) from exc


@shared_task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox(older_than_seconds: int = services.SWEEP_AFTER_SECONDS) -> int:
    return services.outbox_sweep(older_than_seconds=older_than_seconds)


@shared_task(name="notifications.send_digests", ignore_result=True)
def send_digests() -> int:
    sent = 0
    for user_id in services.digest_user_ids():
        try:
            sent += 1 if services.digest_send(user_id=user_id) else 0
        except Exception:
            # One person's broken digest must not stop everyone else's.
            logger.exception("digest for user %s failed", user_id)
    return sent


@shared_task(name="notifications.run_reminder", base=TenantOnlyTask, ignore_result=True)
def run_reminder(kind: str) -> int:
    """Run the registered reminder rule `kind` in this township (see notifications.reminders).
    Returns how many notifications were written (0: nobody left to remind)."""
    return reminders.reminder_run(kind=kind, township=connection.tenant)
