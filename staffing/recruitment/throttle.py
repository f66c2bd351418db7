"""Throttle of the public application page, in the cache keyed by a hash of the client's address
(never stored with an application)."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from common.net import client_address

APPLY = (5, 60 * 60)  # posts per address per hour


def _key(request) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{client_address(request)}".encode()).hexdigest()[:32]
    return f"recruitment:throttle:apply:{digest}"


def blocked(request) -> bool:
    return (cache.get(_key(request)) or 0) >= APPLY[0]


def hit(request) -> None:
    key = _key(request)
    if cache.add(key, 1, timeout=APPLY[1]):
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=APPLY[1])
