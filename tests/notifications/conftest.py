import socket

import pytest


@pytest.fixture(autouse=True)
def _mail_and_sms(settings):
    """E-mail goes to Django's locmem outbox; SMS to the logging provider."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_PROVIDER = "log"


@pytest.fixture
def person(make_user):
    """person(role, township, email=..., phone=..., language=...) -> a user with contact details."""

    def _make(role, township=None, *, email=None, phone="13900000001", language="zh-hans", **scope):
        user = make_user(role, township, **scope)
        user.email = f"{user.username}@example.org" if email is None else email
        user.phone = phone
        user.language = language
        user.save(update_fields=["email", "phone", "language"])
        return user

    return _make


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
