"""Throttles keyed by the client's address as `common.net.client_address` sees it."""
from rest_framework.throttling import SimpleRateThrottle

from common.net import client_address


class LoginAddressThrottle(SimpleRateThrottle):
    """Login attempts per address (page and API alike), whatever usernames are tried."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}
