"""A forgotten password: reset by an e-mailed link or an SMS code, through the notification channels.

- `password_reset_request`: someone gives a username, e-mail address or phone number. Whatever
  matches (or nothing), the answer is the same, so nobody learns whether an account exists. Each
  matching active account gets the event `account.password_reset` (`common.announce`: the shell
  does not import notifications), on the channels of the person's preference among e-mail and SMS,
  sent at once (never held for quiet hours or a digest).
- The secret is made when each message is sent (`secret_context_register`, from
  `AccountsConfig.ready`), so it is never stored in the outbox or shown in the inbox: the e-mail
  carries a link with Django's `PasswordResetTokenGenerator` token (`PASSWORD_RESET_TIMEOUT`;
  it stops working once the password changes, so it is single-use); the SMS carries a 6-digit
  code of which only a keyed hash is kept (`PasswordResetCode`: expires after
  `PASSWORD_RESET_CODE_MINUTES`, dies after `PASSWORD_RESET_CODE_ATTEMPTS` wrong tries, used once).
- Setting the new password runs Django's validators, clears `must_change_password`, revokes the
  person's API token, ends the codes still open and is audited. Login lockouts (django-axes) are
  not lifted by a reset: they expire as usual.
- Throttles: requests and code tries per client address (`common.throttle`, the address is never
  stored) and messages per account (`PASSWORD_RESET_ACCOUNT_LIMIT` an hour).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from accounts.models import PasswordResetCode, User
from audit.services import audit_record
from common import clock
from common.announce import announce
from common.errors import DomainError
from common.throttle import address_blocked, address_hit

EVENT = "account.password_reset"
RESET_TOO_MANY = _("Too many password reset attempts from your network. Wait an hour and try again.")
RESET_LINK_INVALID = _("This reset link is invalid or has expired, or has already been used. Ask for a new one.")
RESET_CODE_INVALID = _("The code is wrong, has expired or has already been used. Check it or ask for a new one.")
IDENTIFIER_REQUIRED = _("Enter your username, e-mail address or mobile phone number.")

ADDRESS_WINDOW = 3600
MAX_ACCOUNTS_PER_REQUEST = 5
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,}$")


# --- finding accounts -------------------------------------------------------------------------------
def _phone_forms(text: str) -> set[str]:
    digits = re.sub(r"[ \-]", "", text)
    forms = {digits}
    if digits.startswith("+86"):
        forms.add(digits[3:])
    elif digits.startswith("86") and len(digits) == 13:
        forms.add(digits[2:])
    return forms


def accounts_matching(identifier: str) -> list[User]:
    """Active accounts whose username, e-mail address or phone number is `identifier`."""
    identifier = (identifier or "").strip()
    if not identifier:
        return []
    query = Q(username__iexact=identifier)
    if "@" in identifier:
        query |= Q(email__iexact=identifier)
    if _PHONE.match(identifier):
        query |= Q(phone__in=_phone_forms(identifier))
    return list(User.objects.filter(query, is_active=True).order_by("pk")[:MAX_ACCOUNTS_PER_REQUEST])


def _account_key(user: User) -> str:
    return f"pwreset-account:{user.pk}"


def _account_allows(user: User) -> bool:
    """Count one message for `user`; False once the hourly limit is used up (nothing is sent)."""
    key = _account_key(user)
    if cache.add(key, 1, timeout=ADDRESS_WINDOW):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=ADDRESS_WINDOW)
        return True
    return count <= settings.PASSWORD_RESET_ACCOUNT_LIMIT


def _guard_address(request, scope: str, limit: int) -> None:
    if address_blocked(scope, request, limit=limit):
        raise DomainError(RESET_TOO_MANY, code="throttled")
    address_hit(scope, request, window=ADDRESS_WINDOW)


def site_url(request) -> str:
    return settings.SITE_URL or request.build_absolute_uri("/").rstrip("/")


# --- asking for a reset -----------------------------------------------------------------------------
@transaction.atomic
def password_reset_request(*, request, identifier: str) -> int:
    """Send reset messages to the accounts matching `identifier`. The caller answers the same
    whatever this returns (the number of accounts messaged, for tests and logs only).
    DomainError only for a throttled address or an empty identifier, which reveal nothing."""
    identifier = (identifier or "").strip()
    if not identifier:
        raise DomainError(IDENTIFIER_REQUIRED, field_errors={"identifier": [IDENTIFIER_REQUIRED]})
    _guard_address(request, "password-reset", settings.PASSWORD_RESET_ADDRESS_LIMIT)
    sent = 0
    base = site_url(request)
    for user in accounts_matching(identifier):
        if not (user.email or user.phone) or not _account_allows(user):
            continue
        announce(event=EVENT, recipients=[user], context={"username": user.username, "base_url": base})
        audit_record(actor="password reset page", action="user.password_reset_request", instance=user,
                     after={"email": bool(user.email), "sms": bool(user.phone)})
        sent += 1
    return sent


# --- the secret in each message ---------------------------------------------------------------------
def _code_hash(salt: str, code: str) -> str:
    return hmac.new(force_bytes(settings.SECRET_KEY), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def reset_secret(*, recipient, channel: str, context: dict) -> dict:
    """The link (e-mail) or a fresh code (SMS) for one reset message; made as it is sent."""
    if channel == "email":
        uid = urlsafe_base64_encode(force_bytes(recipient.pk))
        token = default_token_generator.make_token(recipient)
        path = reverse("accounts:password_reset_confirm", args=[uid, token], urlconf=settings.PUBLIC_SCHEMA_URLCONF)
        return {"link": f"{context.get('base_url', '')}{path}", "minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
    if channel == "sms":
        now = clock.now()
        code = f"{secrets.randbelow(10**6):06d}"
        salt = secrets.token_hex(16)
        # A new code replaces the ones sent before: only the latest works.
        PasswordResetCode.objects.filter(user=recipient, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        PasswordResetCode.objects.create(
            user=recipient, salt=salt, code_hash=_code_hash(salt, code), created_at=now,
            expires_at=now + dt.timedelta(minutes=settings.PASSWORD_RESET_CODE_MINUTES),
        )
        return {"code": code, "minutes": settings.PASSWORD_RESET_CODE_MINUTES}
    return {}


# --- setting the new password -----------------------------------------------------------------------
def _password_set(*, user: User, new_password: str, via: str) -> User:
    from rest_framework.authtoken.models import Token

    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field_errors={"new_password": exc.messages}) from exc
    was_initial = user.must_change_password
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    tokens, _ = Token.objects.filter(user=user).delete()
    PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(used_at=clock.now())
    audit_record(actor=user, action="user.password_reset", instance=user,
                 after={"via": via, "was_initial": was_initial, "api_token_revoked": bool(tokens)})
    return user


def reset_link_user(uidb64: str, token: str) -> User | None:
    """The account of a valid reset link, or None (unknown, expired, used: the password changed)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def password_reset_by_link(*, uidb64: str, token: str, new_password: str) -> User:
    user = reset_link_user(uidb64, token)
    if user is None:
        raise DomainError(RESET_LINK_INVALID, code="reset_invalid")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not default_token_generator.check_token(user, token):  # used meanwhile
        raise DomainError(RESET_LINK_INVALID, code="reset_invalid")
    return _password_set(user=user, new_password=new_password, via="email")


def password_reset_by_code(*, request, identifier: str, code: str, new_password: str) -> User:
    """Reset with an SMS code for the account named by `identifier`. A wrong code counts against
    every open code of the accounts it names (and against the address); the answer never says
    whether the account exists."""
    _guard_address(request, "password-reset-code", settings.PASSWORD_RESET_ADDRESS_LIMIT * 2)
    code = re.sub(r"\s", "", code or "")
    with transaction.atomic():
        now = clock.now()
        users = accounts_matching(identifier)
        live = list(
            PasswordResetCode.objects.select_for_update()
            .filter(user__in=users, used_at__isnull=True, expires_at__gt=now,
                    attempts__lt=settings.PASSWORD_RESET_CODE_ATTEMPTS)
            .select_related("user").order_by("-created_at")
        )
        match = next((row for row in live if hmac.compare_digest(row.code_hash, _code_hash(row.salt, code))), None)
        if match is not None:
            user = User.objects.select_for_update().get(pk=match.user_id)
            match.used_at = now
            match.save(update_fields=["used_at"])
            return _password_set(user=user, new_password=new_password, via="sms")
        if live:
            PasswordResetCode.objects.filter(pk__in=[row.pk for row in live]).update(attempts=F("attempts") + 1)
    raise DomainError(RESET_CODE_INVALID, code="reset_invalid", field_errors={"code": [RESET_CODE_INVALID]})
