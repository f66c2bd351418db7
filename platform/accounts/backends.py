from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from common import clock

ACCOUNT_LOCKED = _("Too many failed logins: this account is locked for a while. Try again later.")


class LockoutModelBackend(ModelBackend):
    """Username/password login that locks the account after repeated failures.

    After `LOGIN_FAILURE_LIMIT` wrong passwords in a row the account is locked for
    `LOGIN_LOCKOUT_MINUTES`; a correct password during the lock is refused too. Counters are
    updated with F() so parallel attempts cannot lose a failure.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            user = User.objects.get(username__iexact=username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        now = clock.now()
        if user.locked_until and user.locked_until > now:
            raise PermissionDenied(ACCOUNT_LOCKED)  # stops the chain; the login form explains
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_login_count or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
            return user
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count"])
        if user.failed_login_count >= settings.LOGIN_FAILURE_LIMIT:
            User.objects.filter(pk=user.pk).update(
                locked_until=now + timezone.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES), failed_login_count=0
            )
        return None


def user_is_locked(username: str) -> bool:
    """True while the account is locked after repeated failures (for the login form's message)."""
    return User.objects.filter(username__iexact=username, locked_until__gt=clock.now()).exists()
