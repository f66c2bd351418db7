"""Writes of the notifications app: the outbox (`notify`), delivery, retries, digests,
preferences, the inbox's read marks, and reminders.

`notify` must run inside the transaction of the change that caused it: the notification and
its deliveries commit or roll back with that change (a transactional outbox). Delivery tasks are
enqueued only after commit; if the broker is down then, nothing is lost: `outbox_sweep` (beat)
re-enqueues pending deliveries whose task never ran.
"""
from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from accounts.models import Role, RoleAssignment
from audit.services import audit_record, snapshot
from common import clock
from common.announce import secret_context
from common.errors import Conflict, DomainError, NotFound, full_clean_or_raise
from notifications import channels as channel_impl
from notifications.channels import PermanentDeliveryError, TransientDeliveryError
from notifications.events import CHANNELS, EMAIL, EVENTS, IN_APP, SMS, event_get, render_message
from notifications.models import Delivery, Notification, Preference, Reminder
from notifications.selectors import (
    local_zone_name,
    message_context,
    office_township_ids,
    preference_get,
)

logger = logging.getLogger(__name__)

NOTIFY_OUTSIDE_TRANSACTION = "notify() must run inside the transaction of the change it reports"
UNKNOWN_EVENT = _("Unknown notification type.")
UNKNOWN_CHANNEL = _("Unknown notification channel.")
RECIPIENT_OUTSIDE_TOWNSHIP = _("A recipient holds no role in this township and cannot receive its notifications.")
QUIET_HOURS_EQUAL = _("Quiet hours must start and end at different times.")
DELIVERY_NOT_FAILED = _("Only a failed delivery can be retried.")
DIGEST_SUBJECT = _("Daily digest: %(count)s notifications")

MAX_ATTEMPTS = 5
SWEEP_AFTER_SECONDS = 120
SWEEP_BATCH = 500
DELIVERY_TASK_BATCH = 100


# --- helpers -------------------------------------------------------------------------------------
def _zone(township) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(local_zone_name(township))


def quiet_hours_end(*, preference: Preference, zone: zoneinfo.ZoneInfo, now: dt.datetime) -> dt.datetime | None:
    """If `now` is inside the preference's quiet hours in `zone`, when they end; else None."""
    start, end = preference.quiet_start, preference.quiet_end
    if not preference.quiet_hours or start == end:
        return None
    local = now.astimezone(zone)
    t = local.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=zone)


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones: 30, 60, 120, 240 ... at most 1 h."""
    return min(30 * 2 ** max(attempts - 1, 0), 3600)


def _channels_for(preference: Preference, event: str, user=None) -> list[str]:
    event_type = event_get(event)
    chosen = (preference.channels or {}).get(event)
    if chosen is None:
        chosen = event_type.channels
    if event_type.urgent:
        # Only the event's own channels, and only those the person can be reached on.
        reachable = {EMAIL: bool(getattr(user, "email", "")), SMS: bool(getattr(user, "phone", ""))}
        return [c for c in CHANNELS if c in chosen and c in event_type.channels and reachable.get(c)]
    return [c for c in CHANNELS if c in chosen]


def _allowed_recipient_ids(township) -> set[int]:
    return set(
        RoleAssignment.objects.filter(Q(township=township) | Q(role=Role.COUNTY_ADMIN)).values_list("user_id", flat=True)
    )


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (OperationalError, RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


def deliveries_enqueue(delivery_ids: Iterable[int]) -> int:
    """Send the delivery tasks for `delivery_ids` to the broker, in the public schema: one task
    (`notifications.deliver_batch`) per DELIVERY_TASK_BATCH ids, since a reminder run writes
    hundreds of rows at once and a task each cost the workers more than the sending itself. Never
    raises on broker errors: the ids stay pending and the sweeper sends them later. Returns how
    many deliveries were sent to the broker."""
    from notifications.tasks import deliver_batch

    ids = list(delivery_ids)
    sent = 0
    for start in range(0, len(ids), DELIVERY_TASK_BATCH):
        chunk = ids[start:start + DELIVERY_TASK_BATCH]
        try:
            deliver_batch.apply_async(args=(chunk,), headers={"_schema_name": get_public_schema_name()})
        except _broker_errors():
            logger.warning("broker unavailable: deliveries %s left for the outbox sweeper", chunk, exc_info=True)
            break
        sent += len(chunk)
    return sent


# --- the outbox ----------------------------------------------------------------------------------
def notify(*, event: str, recipients: Iterable, context: dict, township=None, actor=None) -> Notification:
    """Record `event` for `recipients`: one Notification, one Delivery per recipient and channel.

    Runs inside the caller's transaction (raises RuntimeError otherwise). For a township event
    every recipient must hold a role in that township or be a county admin (DomainError
    otherwise, nothing written). Inactive users are skipped. Channels follow each recipient's
    preferences; SMS in the recipient's quiet hours (township time zone; county events in
    settings.TIME_ZONE) is held until they end; e-mail for digest readers waits for the digest.
    Delivery tasks are enqueued after commit.
    """
    [notification] = notify_many(event=event, township=township, actor=actor, batch=[(recipients, context)])
    return notification


def notify_many(*, event: str, batch: Sequence[tuple[Iterable, dict]], township=None, actor=None) -> list[Notification]:
    """`notify` for several notifications of one event at once (a reminder job's whole run): one
    Notification per (recipients, context) pair of `batch`, with `notify`'s rules, in a fixed
    number of statements whatever the size of the batch (the township's allowed recipients, the
    notifications, the preferences, the deliveries) and one enqueue after commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(NOTIFY_OUTSIDE_TRANSACTION)
    if event not in EVENTS:
        raise DomainError(UNKNOWN_EVENT)
    if township is not None and township.is_county:
        township = None
    groups = [({user.pk: user for user in recipients if user is not None}, context) for recipients, context in batch]
    if not groups:
        return []
    everyone = {pk: user for people, _context in groups for pk, user in people.items()}
    if township is not None:
        outsiders = set(everyone) - _allowed_recipient_ids(township)
        if outsiders:
            raise DomainError(RECIPIENT_OUTSIDE_TOWNSHIP, code="recipient_outside_township")
    actor = actor if getattr(actor, "is_authenticated", False) else None
    notifications = Notification.objects.bulk_create([
        Notification(event=event, township=township, context=dict(context or {}), actor=actor)
        for _people, context in groups
    ])
    now = clock.now()
    zone = _zone(township)
    urgent = event_get(event).urgent
    preferences = {p.user_id: p for p in Preference.objects.filter(user_id__in=list(everyone))} if everyone else {}
    deliveries = []
    for notification, (people, _context) in zip(notifications, groups, strict=True):
        for user in people.values():
            if not user.is_active:
                continue
            preference = preferences.get(user.pk) or Preference(user=user)
            for channel in _channels_for(preference, event, user):
                delivery = Delivery(notification=notification, recipient=user, channel=channel, enqueued_at=now)
                if urgent:
                    pass  # sent at once: neither digest nor quiet hours
                elif channel == EMAIL and preference.daily_digest:
                    delivery.state = Delivery.State.DIGEST
                elif channel == SMS and (until := quiet_hours_end(preference=preference, zone=zone, now=now)):
                    delivery.state = Delivery.State.HELD
                    delivery.not_before = until
                deliveries.append(delivery)
    Delivery.objects.bulk_create(deliveries)
    to_send = [d.pk for d in deliveries if d.state == Delivery.State.PENDING]
    if to_send:
        transaction.on_commit(lambda: deliveries_enqueue(to_send))
    return notifications


# --- delivery ------------------------------------------------------------------------------------
def _send(delivery: Delivery) -> None:
    user = delivery.recipient
    if delivery.channel == IN_APP:
        return  # the row is the inbox item; being here marks it delivered
    event = delivery.notification.event
    context = message_context(delivery.notification, user)
    context.update(secret_context(event=event, recipient=user, channel=delivery.channel, context=context))
    subject, body = render_message(event=event, language=user.language, context=context)
    if delivery.channel == EMAIL:
        channel_impl.email_send(address=user.email, subject=subject, body=body)
    elif delivery.channel == SMS:
        channel_impl.sms_send(phone=user.phone, subject=subject, body=body)
    else:
        raise PermanentDeliveryError(str(UNKNOWN_CHANNEL))


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Deliver one row. Idempotent: the row is locked and only pending (or released held) rows
    are sent, so a task that runs twice sends once. Returns the new state.

    A transient channel error leaves the row pending and raises TransientDeliveryError with
    `retry_in` seconds set, until MAX_ATTEMPTS attempts, after which the row is failed.
    """
    now = now or clock.now()
    transient = None
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification", "notification__township", "recipient")
            .filter(pk=delivery_id).first()
        )
        if delivery is None:
            return "missing"
        if delivery.state not in (Delivery.State.PENDING, Delivery.State.HELD):
            return delivery.state
        if delivery.state == Delivery.State.HELD and delivery.not_before and delivery.not_before > now:
            return delivery.state
        if delivery.channel == SMS and not event_get(delivery.notification.event).urgent:
            preference = preference_get(user=delivery.recipient)
            until = quiet_hours_end(preference=preference, zone=_zone(delivery.notification.township), now=now)
            if until:
                delivery.state, delivery.not_before = Delivery.State.HELD, until
                delivery.save(update_fields=["state", "not_before", "updated_at"])
                return delivery.state
        delivery.attempts += 1
        try:
            _send(delivery)
        except TransientDeliveryError as exc:
            delivery.reason = str(exc)[:500]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.state = Delivery.State.FAILED
            else:
                delivery.state = Delivery.State.PENDING
                delivery.not_before = now + dt.timedelta(seconds=retry_delay(delivery.attempts))
                exc.retry_in = retry_delay(delivery.attempts)
                transient = exc
        except PermanentDeliveryError as exc:
            delivery.state, delivery.reason = Delivery.State.FAILED, str(exc)[:500]
        else:
            delivery.state, delivery.reason, delivery.sent_at, delivery.not_before = Delivery.State.SENT, "", now, None
        delivery.save(update_fields=["state", "reason", "attempts", "sent_at", "not_before", "updated_at"])
    if transient is not None:
        raise transient
    return delivery.state


def deliveries_send_in_app(*, delivery_ids: Iterable[int], now: dt.datetime | None = None) -> list[int]:
    """Deliver the in-app rows among `delivery_ids` in one statement, as `delivery_send` would one
    by one (the row is the inbox item, nothing leaves the database: only pending rows, or held
    ones whose hold has ended, become sent with one more attempt; a row already sent is left
    alone, so a batch delivered twice counts once). Returns the ids of the other rows (e-mail,
    SMS), each to be sent on its own through `delivery_send`."""
    now = now or clock.now()
    ids = list(delivery_ids)
    due = Q(state=Delivery.State.PENDING) | (Q(state=Delivery.State.HELD)
                                             & (Q(not_before__isnull=True) | Q(not_before__lte=now)))
    Delivery.objects.filter(due, pk__in=ids, channel=IN_APP).update(
        state=Delivery.State.SENT, reason="", attempts=F("attempts") + 1, sent_at=now, not_before=None,
        updated_at=now)
    return list(Delivery.objects.filter(pk__in=ids).exclude(channel=IN_APP).order_by("pk").values_list("pk", flat=True))


def outbox_sweep(*, older_than_seconds: int = SWEEP_AFTER_SECONDS, now: dt.datetime | None = None) -> int:
    """Re-enqueue deliveries whose task may have been lost: pending rows last enqueued more than
    `older_than_seconds` ago (and not waiting for a retry), and held rows whose hold has ended.
    Returns how many tasks were sent."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(seconds=older_than_seconds)
    stale = Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff)
    due = Q(not_before__isnull=True) | Q(not_before__lte=now)
    released = Q(state=Delivery.State.HELD, not_before__lte=now) & (stale | Q(enqueued_at__lt=F("not_before")))
    ids = list(
        Delivery.objects.filter((Q(state=Delivery.State.PENDING) & stale & due) | released)
        .order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if not ids:
        return 0
    Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
    sent = deliveries_enqueue(ids)
    logger.info("outbox sweeper re-enqueued %d of %d deliveries", sent, len(ids))
    return sent


@transaction.atomic
def delivery_retry(*, actor, delivery_id: int) -> Delivery:
    """Put a failed delivery back in the outbox (township office of its township, or county admin)."""
    allowed = office_township_ids(user=actor)
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related("notification").filter(pk=delivery_id).first()
    if delivery is None or (allowed is not None and delivery.notification.township_id not in allowed):
        raise NotFound()
    if delivery.state != Delivery.State.FAILED:
        raise Conflict(DELIVERY_NOT_FAILED)
    before = snapshot(delivery, fields=["state", "reason", "attempts"])
    delivery.state, delivery.reason, delivery.attempts = Delivery.State.PENDING, "", 0
    delivery.not_before, delivery.enqueued_at = None, clock.now()
    delivery.save(update_fields=["state", "reason", "attempts", "not_before", "enqueued_at", "updated_at"])
    audit_record(actor=actor, action="notification.delivery_retry", instance=delivery, before=before,
                 after=snapshot(delivery, fields=["state", "reason", "attempts"]))
    transaction.on_commit(lambda: deliveries_enqueue([delivery.pk]))
    return delivery


# --- daily digest --------------------------------------------------------------------------------
def digest_send(*, user_id: int, now: dt.datetime | None = None) -> int:
    """One e-mail listing every notification waiting for `user_id`'s digest. Returns how many
    notifications it listed (0: nothing to send, or sending failed and they stay waiting)."""
    now = now or clock.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(recipient_id=user_id, channel=EMAIL, state=Delivery.State.DIGEST)
            .select_related("notification", "notification__township", "recipient")
            .order_by("created_at", "id")
        )
        if not rows:
            return 0
        user = rows[0].recipient
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        lines = []
        for row in rows:
            subject, body = render_message(event=row.notification.event, language=user.language,
                                           context=message_context(row.notification, user))
            lines.append(f"{row.created_at.astimezone(zone):%Y-%m-%d %H:%M}  {subject}\n    {body}")
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = str(DIGEST_SUBJECT) % {"count": len(rows)}
        ids = [row.pk for row in rows]
        try:
            channel_impl.email_send(address=user.email, subject=subject, body="\n\n".join(lines))
        except TransientDeliveryError:
            logger.warning("digest for user %s not sent; it stays waiting", user_id, exc_info=True)
            Delivery.objects.filter(pk__in=ids).update(attempts=F("attempts") + 1, updated_at=now)
            return 0
        except PermanentDeliveryError as exc:
            Delivery.objects.filter(pk__in=ids).update(state=Delivery.State.FAILED, reason=str(exc)[:500],
                                                       attempts=F("attempts") + 1, updated_at=now)
            return 0
        Delivery.objects.filter(pk__in=ids).update(state=Delivery.State.SENT, sent_at=now, reason="",
                                                   attempts=F("attempts") + 1, updated_at=now)
        return len(rows)


def digest_user_ids() -> list[int]:
    return list(
        Delivery.objects.filter(channel=EMAIL, state=Delivery.State.DIGEST)
        .values_list("recipient_id", flat=True).distinct().order_by("recipient_id")
    )


# --- inbox ---------------------------------------------------------------------------------------
@transaction.atomic
def inbox_mark_read(*, user, delivery_id: int) -> Delivery:
    """Mark one of the user's own inbox items read (404 for anyone else's)."""
    from notifications.selectors import inbox_list

    delivery = inbox_list(user=user).select_for_update(of=("self",)).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound()
    if delivery.read_at is None:
        delivery.read_at = clock.now()
        delivery.save(update_fields=["read_at", "updated_at"])
    return delivery


@transaction.atomic
def inbox_mark_all_read(*, user, filters: dict | None = None) -> int:
    from notifications.selectors import inbox_list

    ids = list(inbox_list(user=user, filters=filters).filter(read_at__isnull=True).values_list("pk", flat=True))
    return Delivery.objects.filter(pk__in=ids).update(read_at=clock.now())


# --- preferences ---------------------------------------------------------------------------------
@transaction.atomic
def preference_update(
    *, actor, user, channels: dict[str, list[str]], quiet_hours: bool, quiet_start: dt.time,
    quiet_end: dt.time, daily_digest: bool,
) -> Preference:
    for event, chosen in channels.items():
        if event not in EVENTS:
            raise DomainError(UNKNOWN_EVENT)
        if any(c not in CHANNELS for c in chosen):
            raise DomainError(UNKNOWN_CHANNEL)
    if quiet_hours and quiet_start == quiet_end:
        raise DomainError(QUIET_HOURS_EQUAL, field_errors={"quiet_end": [QUIET_HOURS_EQUAL]})
    preference = Preference.objects.select_for_update().filter(user=user).first()
    fields = ["channels", "quiet_hours", "quiet_start", "quiet_end", "daily_digest"]
    before = snapshot(preference, fields=fields) if preference else None
    preference = preference or Preference(user=user)
    preference.channels = {event: [c for c in CHANNELS if c in chosen] for event, chosen in channels.items()}
    preference.quiet_hours, preference.quiet_start, preference.quiet_end = quiet_hours, quiet_start, quiet_end
    preference.daily_digest = daily_digest
    full_clean_or_raise(preference, validate_unique=False)
    preference.save()
    audit_record(actor=actor, action="notification.preferences", instance=preference, before=before,
                 after=snapshot(preference, fields=fields))
    return preference


# --- reminders -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReminderItem:
    """One reminder of a batch: its period key (the idempotency key), who should have it, and the
    context of its message."""

    period_key: str
    recipients: Sequence
    context: dict


def _reminder_lock_key(kind: str, township, period_key: str) -> str:
    return f"{kind}|{township.pk}|{period_key}"


@transaction.atomic
def reminder_send(*, kind: str, township, period_key: str, recipients: Iterable, context: dict) -> Notification | None:
    """Send reminder `kind` for `period_key` to those `recipients` who have not had it yet.

    Idempotent per (kind, township, period, recipient): concurrent runs are serialised by an
    advisory lock and the unique constraint backs it up. Returns None when nobody is left.
    """
    [notification] = reminders_send(kind=kind, township=township,
                                    items=[ReminderItem(period_key, list(recipients), context)])
    return notification


@transaction.atomic
def reminders_send(*, kind: str, township, items: Sequence[ReminderItem]) -> list[Notification | None]:
    """`reminder_send` for many period keys at once, with the same idempotency (the same advisory
    locks, taken in key order so two batches cannot deadlock, and the same unique constraint), in
    a fixed number of statements whatever the number of items. Returns, per item, its
    notification or None when nobody was left to remind."""
    if not event_get(kind).reminder:
        raise DomainError(UNKNOWN_EVENT)
    if not items:
        return []
    keys = sorted({_reminder_lock_key(kind, township, item.period_key) for item in items})
    with connection.cursor() as cursor:
        # PostgreSQL evaluates a volatile select list after ORDER BY, so the locks follow key order.
        cursor.execute("SELECT pg_advisory_xact_lock(7302, hashtext(k)) FROM unnest(%s::text[]) AS k ORDER BY k",
                       [keys])
    done: set[tuple[str, int]] = set(
        Reminder.objects.filter(kind=kind, township=township, period_key__in={item.period_key for item in items})
        .values_list("period_key", "recipient_id"))
    due: list[tuple[int, list]] = []
    for index, item in enumerate(items):
        fresh = []
        for user in item.recipients:
            if (item.period_key, user.pk) not in done:
                done.add((item.period_key, user.pk))  # a key or a person twice in a batch sends once
                fresh.append(user)
        if fresh:
            due.append((index, fresh))
    result: list[Notification | None] = [None] * len(items)
    if not due:
        return result
    notifications = notify_many(event=kind, township=township,
                                batch=[(fresh, items[index].context) for index, fresh in due])
    Reminder.objects.bulk_create([
        Reminder(kind=kind, township=township, period_key=items[index].period_key, recipient=user,
                 notification=notification)
        for (index, fresh), notification in zip(due, notifications, strict=True) for user in fresh
    ])
    for (index, _fresh), notification in zip(due, notifications, strict=True):
        result[index] = notification
    return result
