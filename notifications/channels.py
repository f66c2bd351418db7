"""Delivery channels: in-app, e-mail (django.core.mail) and SMS (a small provider interface).

A channel either returns (delivered), raises `TransientDeliveryError` (worth retrying: the
connection dropped, a timeout, a 5xx) or raises `PermanentDeliveryError` (retrying will not
help: no address, a rejected recipient, a 4xx).
"""
from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

NO_EMAIL_ADDRESS = _("The recipient has no e-mail address.")
NO_PHONE_NUMBER = _("The recipient has no mobile phone number.")
SMS_NOT_CONFIGURED = _("The SMS gateway is not configured.")
SMS_MAX_LENGTH = 300


class TransientDeliveryError(Exception):
    """The channel could not be reached now; a later attempt may succeed."""


class PermanentDeliveryError(Exception):
    """The message cannot be delivered this way; retrying will not help."""


# --- e-mail --------------------------------------------------------------------------------------
def email_send(*, address: str, subject: str, body: str) -> None:
    if not address:
        raise PermanentDeliveryError(str(NO_EMAIL_ADDRESS))
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address])
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise TransientDeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        raise PermanentDeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError) as exc:
        raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    except smtplib.SMTPException as exc:
        raise PermanentDeliveryError(f"{type(exc).__name__}: {exc}") from exc


# --- SMS -----------------------------------------------------------------------------------------
class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send `text` to `phone` or raise Transient/PermanentDeliveryError."""


class LoggingSmsProvider:
    """Development provider: writes the message to the log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class HttpSmsProvider:
    """A generic JSON gateway: POST {"phone", "text"} to `url` with `Authorization: Bearer <token>`.

    Any 2xx is success; 429 and 5xx, refused connections and timeouts are transient; other
    4xx answers are permanent.
    """

    def __init__(self, *, url: str, token: str, timeout: float = 10.0):
        if not url.startswith(("http://", "https://")):
            raise PermanentDeliveryError(str(SMS_NOT_CONFIGURED))
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, phone: str, text: str) -> None:
        payload = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url, data=payload, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            detail = f"HTTP {exc.code} from SMS gateway"
            if exc.code == 429 or exc.code >= 500:
                raise TransientDeliveryError(detail) from exc
            raise PermanentDeliveryError(detail) from exc
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            raise TransientDeliveryError(f"SMS gateway unreachable: {exc}") from exc


def sms_provider() -> SmsProvider:
    """The provider chosen by SMS_PROVIDER=log|http (settings first, then the environment)."""
    name = getattr(settings, "SMS_PROVIDER", None) or os.environ.get("SMS_PROVIDER", "log")
    if name == "http":
        url = getattr(settings, "SMS_HTTP_URL", None) or os.environ.get("SMS_HTTP_URL", "")
        token = getattr(settings, "SMS_HTTP_TOKEN", None) or os.environ.get("SMS_HTTP_TOKEN", "")
        return HttpSmsProvider(url=url, token=token)
    return LoggingSmsProvider()


def sms_text(subject: str, body: str) -> str:
    text = f"{subject} {body}".strip()
    return text if len(text) <= SMS_MAX_LENGTH else text[: SMS_MAX_LENGTH - 1] + "…"


def sms_send(*, phone: str, subject: str, body: str) -> None:
    if not phone:
        raise PermanentDeliveryError(str(NO_PHONE_NUMBER))
    sms_provider().send(phone, sms_text(subject, body))
