"""The client's address, trusting forwarded headers only from configured proxies.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only when the
request comes from a proxy listed in `settings.TRUSTED_PROXIES` (addresses or networks, from the
environment). Then the right-most address in the header that is not itself a trusted proxy is
the client. Everything keyed by address (login throttles, lockouts) uses this one function.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> str:
    meta = getattr(request, "META", {})
    remote = (meta.get("REMOTE_ADDR") or "").strip()
    if not remote or not _trusted(remote):
        return remote or "0.0.0.0"  # noqa: S104 - an unknown peer, not a bind address
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage in the header: stop at the last proxy we trust
        if not _trusted(hop):
            return hop
    return remote
