from django.utils.functional import SimpleLazyObject

from accounts.access import access_for


class AccessMiddleware:
    """Sets `request.access`: the user's rights in the township of this request (lazy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.access = SimpleLazyObject(lambda: access_for(request.user, getattr(request, "tenant", None)))
        return self.get_response(request)
