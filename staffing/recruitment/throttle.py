"""Throttle of the public application page, per client address (`common.throttle`; the address is
never stored with an application)."""
from __future__ import annotations

from common.throttle import address_blocked, address_hit

APPLY = (5, 60 * 60)  # posts per address per hour


def blocked(request) -> bool:
    return address_blocked("recruitment-apply", request, limit=APPLY[0])


def hit(request) -> None:
    address_hit("recruitment-apply", request, window=APPLY[1])
