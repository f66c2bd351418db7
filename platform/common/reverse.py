"""`reverse()` for the links of a table's rows: one reverse per page kind, not one per row."""
from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Stands for the id while the URL is reversed once; never a real id of any table here.
_MARK = 987_654_321_987_654_321


@lru_cache(maxsize=1024)
def _around_id(urlconf, script_prefix: str, language: str | None, viewname: str,
               current_app: str | None) -> tuple[str, str] | None:
    # `script_prefix` and `language` are read by `reverse` from the thread; they are in the key so a
    # URL is never reused under another one. `urlconf` is the township's (one module per township
    # for the life of the process, see tenants.townships.middleware) or None for the root one.
    url = reverse(viewname, urlconf=urlconf, args=[_MARK], current_app=current_app)
    before, found, after = url.partition(str(_MARK))
    if not found or str(_MARK) in after or reverse(
            viewname, urlconf=urlconf, args=[1], current_app=current_app) != f"{before}1{after}":
        return None  # not a plain `<int:...>` in the path: reverse every time
    return before, after


def id_reverse(viewname: str, pk, current_app: str | None = None) -> str:
    """`reverse(viewname, args=[pk])` for a URL whose only argument is an `<int:...>` id.

    The URL is reversed once per URL configuration (township), script prefix, language and view,
    with a mark in place of the id; each row's link is then the two halves around its id. Any
    other argument, or a pattern the mark does not round-trip through, goes to `reverse`."""
    if type(pk) is int and pk >= 0:
        around = _around_id(get_urlconf(), get_script_prefix(), get_language(), viewname, current_app)
        if around is not None:
            return f"{around[0]}{pk}{around[1]}"
    return reverse(viewname, args=[pk], current_app=current_app)
