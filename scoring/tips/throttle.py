"""Throttles for the public tip pages, per client address (`common.throttle`). The address is used
only for this short-lived counter: it is never stored with a tip."""
from __future__ import annotations

from common.throttle import address_blocked, address_hit

# (attempts, seconds): wrong receipt codes, and tips filed, per address.
RECEIPT_FAILURES = (5, 15 * 60)
INTAKE = (5, 60 * 60)


def _limits(kind: str) -> tuple[int, int]:
    return RECEIPT_FAILURES if kind == "receipt" else INTAKE


def blocked(kind: str, request) -> bool:
    return address_blocked(f"tips-{kind}", request, limit=_limits(kind)[0])


def hit(kind: str, request) -> None:
    address_hit(f"tips-{kind}", request, window=_limits(kind)[1])
