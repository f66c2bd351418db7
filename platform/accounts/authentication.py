"""API authentication (kept apart from the API views: DRF imports it while loading its settings)."""
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as BaseTokenAuthentication

from accounts.middleware import PASSWORD_CHANGE_REQUIRED
from common.errors import PermissionDenied

TOKEN_EXPIRED = _("Your API token has expired: log in again for a new one.")


class TokenAuthentication(BaseTokenAuthentication):
    """DRF's token authentication, with tokens that expire `API_TOKEN_TTL_DAYS` after issue; an
    account that still has its initial password may only change it (403
    `password_change_required` elsewhere), as on the pages."""

    def authenticate_credentials(self, key):
        from accounts.services import token_expired

        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED, code="token_expired")
        return user, token

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and result[0].must_change_password \
                and not request.path.endswith("/me/password/"):
            raise PermissionDenied(PASSWORD_CHANGE_REQUIRED, code="password_change_required")
        return result
