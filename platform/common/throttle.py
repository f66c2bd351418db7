"""Counters for public pages (tip intake, receipt lookups, applications): attempts per client
address in a window, in the cache, keyed by a keyed hash of the address, so the address itself
is never stored, not even in the counter."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from common.net import client_address


def _key(scope: str, request) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{client_address(request)}".encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}"


def address_blocked(scope: str, request, *, limit: int) -> bool:
    """True once this address has used up `limit` attempts in the current window."""
    return (cache.get(_key(scope, request)) or 0) >= limit


def address_hit(scope: str, request, *, window: int) -> None:
    """Count one attempt; the window (seconds) starts with the first attempt."""
    key = _key(scope, request)
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
