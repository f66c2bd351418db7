"""What a tip is, shared by the township's tips and those routed to the county (abstract models)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class TipStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRIAGED = "triaged", _("Triaged")
    INVESTIGATING = "investigating", _("Investigating")
    SUBSTANTIATED = "substantiated", _("Substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")
    CLOSED = "closed", _("Closed")


# The case's path: every step forward is one of these.
TRANSITIONS = {
    TipStatus.RECEIVED: {TipStatus.TRIAGED},
    TipStatus.TRIAGED: {TipStatus.INVESTIGATING, TipStatus.UNSUBSTANTIATED},
    TipStatus.INVESTIGATING: {TipStatus.SUBSTANTIATED, TipStatus.UNSUBSTANTIATED},
    TipStatus.SUBSTANTIATED: {TipStatus.CLOSED},
    TipStatus.UNSUBSTANTIATED: {TipStatus.CLOSED},
    TipStatus.CLOSED: set(),
}
OPEN_STATUSES = (TipStatus.RECEIVED, TipStatus.TRIAGED, TipStatus.INVESTIGATING)


class Channel(models.TextChoices):
    WEB = "web", _("Online form")
    PHONE = "phone", _("Hotline")
    BOX = "box", _("Tip box")
    VISIT = "visit", _("In person")


# Channels a handler records (the web form files its own tips).
RECORD_CHANNELS = [(c.value, c.label) for c in (Channel.PHONE, Channel.BOX, Channel.VISIT)]


class TipBase(models.Model):
    """A tip. The reporter's identity (`reporter_name`, `reporter_contact`) is empty for an
    anonymous tip and is read only by the discipline commission (see selectors); no IP address or
    user agent is ever stored. The receipt code itself is never stored (see `receipts`)."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(_("status"), max_length=16, choices=TipStatus.choices, default=TipStatus.RECEIVED)
    subject = models.CharField(_("who or what it is about"), max_length=200)
    body = models.TextField(_("what happened"), max_length=5000)
    anonymous = models.BooleanField(_("anonymous"), default=True)
    reporter_name = models.CharField(_("reporter's name"), max_length=100, blank=True)
    reporter_contact = models.CharField(_("reporter's contact"), max_length=100, blank=True)
    receipt_salt = models.CharField(max_length=32)
    receipt_hash = models.CharField(max_length=64)
    receipt_fingerprint = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    recorded_by_id = models.BigIntegerField(_("recorded by"), null=True, blank=True)
    assigned_to_id = models.BigIntegerField(_("handler"), null=True, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, max_length=2000)

    class Meta:
        abstract = True
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject[:40]}"


class MessageBase(models.Model):
    """A message between the reporter and the handlers: the only thing a receipt shows with the status."""

    from_reporter = models.BooleanField(default=False)
    author_id = models.BigIntegerField(null=True, blank=True)
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class NoteBase(models.Model):
    """An internal note of the handlers; never shown to the reporter."""

    author_id = models.BigIntegerField()
    body = models.TextField(_("internal note"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]
