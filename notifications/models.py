"""Notifications live in the public schema (SHARED_APPS), so one person's inbox spans every
township they work in. A `Notification` is one event; a `Delivery` is that event for one
recipient on one channel; the in-app delivery is the inbox item (it carries `read_at`).

Rows are written by `notifications.services.notify` in the transaction of the change that
caused them (a transactional outbox); delivery tasks are enqueued after commit, and the sweeper
re-enqueues any pending delivery whose task was lost.
"""
import datetime as dt

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.events import CHANNEL_LABELS, CHANNELS, event_choices

CHANNEL_CHOICES = [(code, CHANNEL_LABELS[code]) for code in CHANNELS]


class Notification(models.Model):
    """One event (e.g. "township alpha was provisioned"). `township` is null for county events."""

    event = models.CharField(_("event"), max_length=48, choices=event_choices, db_index=True)
    township = models.ForeignKey(
        "townships.Township", verbose_name=_("township"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    context = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.event} {self.township_id or 'county'} {self.created_at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """One notification to one recipient on one channel.

    pending -> sent | failed(reason); SMS in quiet hours is `held` until `not_before`;
    e-mail for a recipient who chose the daily digest waits as `digest` for the digest job.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        HELD = "held", _("Held (quiet hours)")
        DIGEST = "digest", _("Waiting for the daily digest")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notification_deliveries",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=CHANNEL_CHOICES)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "recipient", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [
            models.Index(fields=["state", "enqueued_at"], name="delivery_outbox"),
            models.Index(fields=["recipient", "channel", "read_at"], name="delivery_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.notification.event} → {self.recipient_id} {self.channel} {self.state}"


def default_quiet_start() -> dt.time:
    return dt.time(22, 0)


def default_quiet_end() -> dt.time:
    return dt.time(7, 0)


class Preference(models.Model):
    """A user's notification settings. Without a row, the registry defaults apply.

    `channels` maps an event code to the list of channels the user wants for it; events not in
    the map use the event's default channels.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    channels = models.JSONField(_("channels per event"), default=dict, blank=True)
    quiet_hours = models.BooleanField(_("hold SMS during quiet hours"), default=True)
    quiet_start = models.TimeField(_("quiet hours start"), default=default_quiet_start)
    quiet_end = models.TimeField(_("quiet hours end"), default=default_quiet_end)
    daily_digest = models.BooleanField(_("one digest e-mail per day instead of one e-mail per event"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class Reminder(models.Model):
    """A reminder sent once: the unique constraint makes a reminder job idempotent per period."""

    kind = models.CharField(_("reminder"), max_length=48, choices=event_choices)
    township = models.ForeignKey("townships.Township", on_delete=models.CASCADE, related_name="+")
    period_key = models.CharField(_("period"), max_length=32)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="reminders")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "township", "period_key", "recipient"], name="reminder_once_per_period"
            ),
        ]
        verbose_name = _("reminder")

    def __str__(self) -> str:
        return f"{self.kind} {self.township_id} {self.period_key} → {self.recipient_id}"
