from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from accounts.access import access_for
from common.context_processors import public_url


class AccessMiddleware:
    """Sets `request.access`: the user's rights in the township of this request (lazy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.access = SimpleLazyObject(lambda: access_for(request.user, getattr(request, "tenant", None)))
        return self.get_response(request)


PASSWORD_CHANGE_REQUIRED = _("Choose your own password first: your account still has the initial one.")
# Paths a person with an initial password may still reach (besides the change itself).
_ALWAYS_ALLOWED = ("/accounts/logout/", "/static/", "/i18n/", "/health/", "/api/v1/auth/token/",
                   "/api/v1/me/password/")


class PasswordChangeRequiredMiddleware:
    """An account created with an initial password does nothing until its owner chooses their own:
    pages redirect to the change page, API calls answer 403 with code `password_change_required`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            target = public_url("accounts:password_change")
            path = request.path
            if path != target and not path.startswith(_ALWAYS_ALLOWED):
                if "/api/" in path:
                    return JsonResponse({"error": {"code": "password_change_required",
                                                   "message": str(PASSWORD_CHANGE_REQUIRED), "fields": {}}},
                                        status=403)
                return redirect(target)
        return self.get_response(request)
