"""Throttles for the public tip pages, in the cache (Redis) keyed by a hash of the client's
address. The address is used only for this short-lived counter: it is never stored with a tip.
"""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from common.net import client_address

# (attempts, seconds): wrong receipt codes, and tips filed, per address.
RECEIPT_FAILURES = (5, 15 * 60)
INTAKE = (5, 60 * 60)


def _key(kind: str, request) -> str:
    address = client_address(request)  # forwarded headers only from trusted proxies
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:32]
    return f"tips:throttle:{kind}:{digest}"


def blocked(kind: str, request) -> bool:
    limit, _window = RECEIPT_FAILURES if kind == "receipt" else INTAKE
    return (cache.get(_key(kind, request)) or 0) >= limit


def hit(kind: str, request) -> None:
    _limit, window = RECEIPT_FAILURES if kind == "receipt" else INTAKE
    key = _key(kind, request)
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
