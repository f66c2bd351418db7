"""Celery tasks of the notifications app: ids in, load rows, call a service.

Delivery, the sweeper and the digest are public-schema tasks; the reminders (month closing,
reviews waiting, publication opening and closing) run once per ready township through
`common.dispatch_to_townships`.
"""
import logging

from django.db import connection

from common.tasks import TenantOnlyTask
from config.celery import app
from notifications import reminders, services
from notifications.channels import TransientDeliveryError

logger = logging.getLogger(__name__)


@app.task(name="notifications.deliver", bind=True, ignore_result=True, acks_late=True,
          max_retries=services.MAX_ATTEMPTS)
def deliver(self, delivery_id: int) -> str:
    """Deliver one outbox row. Transient channel errors retry with exponential backoff; the
    number of attempts is bounded by the row itself (services.MAX_ATTEMPTS)."""
    try:
        return services.delivery_send(delivery_id=delivery_id)
    except TransientDeliveryError as exc:
        raise self.retry(exc=exc, countdown=getattr(exc, "retry_in", 60)) from exc


@app.task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox(older_than_seconds: int = services.SWEEP_AFTER_SECONDS) -> int:
    return services.outbox_sweep(older_than_seconds=older_than_seconds)


@app.task(name="notifications.send_digests", ignore_result=True)
def send_digests() -> int:
    sent = 0
    for user_id in services.digest_user_ids():
        try:
            sent += 1 if services.digest_send(user_id=user_id) else 0
        except Exception:
            # One person's broken digest must not stop everyone else's.
            logger.exception("digest for user %s failed", user_id)
    return sent


@app.task(name="notifications.remind_month_closing", base=TenantOnlyTask, ignore_result=True)
def remind_month_closing() -> int:
    notification = services.remind_month_closing(township=connection.tenant)
    return notification.pk if notification else 0


@app.task(name="notifications.remind_review_waiting", base=TenantOnlyTask, ignore_result=True)
def remind_review_waiting() -> int:
    """Returns how many notifications were written (0: nobody left to remind today)."""
    return len(reminders.remind_review_waiting(township=connection.tenant))


@app.task(name="notifications.remind_publication_opening", base=TenantOnlyTask, ignore_result=True)
def remind_publication_opening() -> int:
    notification = reminders.remind_publication_opening(township=connection.tenant)
    return notification.pk if notification else 0


@app.task(name="notifications.remind_publication_closing", base=TenantOnlyTask, ignore_result=True)
def remind_publication_closing() -> int:
    """Returns how many notifications were written."""
    return len(reminders.remind_publication_closing(township=connection.tenant))
