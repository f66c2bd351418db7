"""Celery tasks of the notifications app: ids in, load rows, call a service.

Delivery, the sweeper and the digest are public-schema tasks; each registered reminder rule runs
once per ready township through `common.dispatch_to_townships` (`run_reminder`).
"""
import logging

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name

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


@shared_task(name="notifications.deliver_batch", ignore_result=True, acks_late=True)
def deliver_batch(delivery_ids: list[int]) -> None:
    """Deliver several outbox rows, each on its own as `deliver` does (its own transaction and
    lock, idempotent, so a batch delivered twice sends each row once). A row that fails
    transiently is handed to `deliver` with its backoff, so it keeps its own bounded retries; a
    row that raises anything else stays pending for the sweeper and does not stop the others.
    In-app rows (nothing to send) are marked delivered together, in one statement."""
    for delivery_id in services.deliveries_send_in_app(delivery_ids=delivery_ids):
        try:
            services.delivery_send(delivery_id=delivery_id)
        except TransientDeliveryError as exc:
            deliver.apply_async(args=(delivery_id,), countdown=getattr(exc, "retry_in", 60),
                                headers={"_schema_name": get_public_schema_name()})
        except Exception:
            logger.exception("delivery %s failed; the outbox sweeper will send it again", delivery_id)


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
