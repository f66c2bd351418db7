"""Every page's menu, rendered once per kind of visitor rather than on every request.

The menu (`common/_menu.html`) is some sixty conditions on the visitor's `Access` and links under
the township's prefix: the same HTML for everyone with the same access in the same township,
language, URL configuration and script prefix. It is kept, per process, under exactly those
(the most recent `MENUS_KEPT`); the unread-messages link, which changes, is not part of it.
"""
from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

from accounts.access import Access

MENUS_KEPT = 2048
_ACCESS_FIELDS = tuple(f.name for f in dataclasses.fields(Access))
_menus: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def _render(access, township, home_url: str) -> str:
    return get_template("common/_menu.html").render({"access": access, "township": township, "home_url": home_url})


def menu_html(*, access, township, home_url: str) -> str:
    """The menu for `access` in `township` (None: the county's pages)."""
    if not isinstance(access, Access):  # (through request.access's lazy wrapper too)
        return _render(access, township, home_url)
    key = (tuple(getattr(access, name) for name in _ACCESS_FIELDS),
           None if township is None else (township.pk, township.code),
           get_urlconf(), get_script_prefix(), get_language(), home_url)
    with _lock:
        html = _menus.get(key)
        if html is not None:
            _menus.move_to_end(key)
            return html
    html = _render(access, township, home_url)
    with _lock:
        _menus[key] = html
        while len(_menus) > MENUS_KEPT:
            _menus.popitem(last=False)
    return html
