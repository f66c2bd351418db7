"""Login: passwords checked by `AccountBackend`; failures counted and lockouts decided by
django-axes (`axes.backends.AxesStandaloneBackend` runs first), plus two guards of our own.

Why django-axes: it is the maintained Django library for exactly this (failure records in the
database, cool-off, reset utilities, login records), so we do not keep our own counters.
How it is configured (settings `AXES_*`):
- A lockout is per account **and** address (`AXES_LOCKOUT_PARAMETERS`): five wrong passwords for
  an account from one address lock that pair for `LOGIN_LOCKOUT_MINUTES`, so
  a stranger can never lock the county admin out from somewhere else. (A progressive cool-off
  was tried and dropped: axes cleans expired attempts globally with one cool-off, so a per-pair
  duration is not reliable.)
- The address comes from `common.net.client_address`: forwarded headers count only from
  configured proxies.
- The county admin sees current lockouts and can lift them (`/accounts/lockouts/`).

Our own guards (`login_guard`), on both the login page and the API token endpoint:
- per address: at most `LOGIN_THROTTLE_RATE` attempts (any usernames);
- per account, against guessing from many addresses: after `LOGIN_ACCOUNT_FAILURE_LIMIT` failures
  within an hour, the account can only be tried from an address where it logged in successfully
  in the last 90 days (so its owner is not locked out by the attack).
"""
from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from common import clock
from common.net import client_address

ACCOUNT_LOCKED = _("Too many failed logins: this account is locked for a while. Try again later.")
TOO_MANY_ATTEMPTS = _("Too many login attempts from your network. Wait a minute and try again.")
ACCOUNT_UNDER_ATTACK = _("This account has had many failed logins from elsewhere; it can only log in from a "
                         "place it has logged in from before. Ask the county administrator for help.")
KNOWN_ADDRESS_DAYS = 90


class AccountBackend(ModelBackend):
    """Case-insensitive username and password; unknown usernames cost the same time."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            user = User.objects.get(username__iexact=username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials) -> str:
    """Axes keys failures on the lower-cased username, as the backend matches it."""
    return str((credentials or {}).get("username") or "").strip().lower()


def _failures_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def account_failure_recorded(username: str) -> None:
    key = _failures_key(username)
    if not cache.add(key, 1, timeout=3600):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=3600)


def account_failures_forget(username: str) -> None:
    cache.delete(_failures_key(username))


def _known_address(username: str, address: str) -> bool:
    from axes.models import AccessLog

    since = clock.now() - dt.timedelta(days=KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(username=username.strip().lower(), ip_address=address,
                                    attempt_time__gte=since).exists()


def login_guard(request, username: str, *, throttle: bool = True):
    """The message refusing this attempt before any password is checked, or None. The API view
    throttles by address itself (`throttle=False`), answering 429."""
    from accounts.throttles import LoginAddressThrottle

    if throttle and not LoginAddressThrottle().allow_request(request, None):
        return TOO_MANY_ATTEMPTS
    if username and (cache.get(_failures_key(username)) or 0) >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT \
            and not _known_address(username, client_address(request)):
        return ACCOUNT_UNDER_ATTACK
    return None


def login_locked(request) -> bool:
    """True when axes refused (or just locked) this account at this address."""
    return bool(getattr(request, "axes_locked_out", False))
