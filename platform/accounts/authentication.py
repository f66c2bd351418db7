"""API authentication (kept apart from the API views: DRF imports it while loading its settings)."""
from rest_framework.authentication import TokenAuthentication as BaseTokenAuthentication

from accounts.middleware import PASSWORD_CHANGE_REQUIRED
from common.errors import PermissionDenied


class TokenAuthentication(BaseTokenAuthentication):
    """DRF's token authentication; an account that still has its initial password may only change
    it (403 `password_change_required` elsewhere), as on the pages."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and result[0].must_change_password \
                and not request.path.endswith("/me/password/"):
            raise PermissionDenied(PASSWORD_CHANGE_REQUIRED, code="password_change_required")
        return result
