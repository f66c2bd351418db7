"""Big tables on pages and in the API: one bounded page of rows, a search term, and the same rows
(all pages, bounded) as an .xlsx download.

A page's links keep its query string with Django's `{% querystring %}` tag (the shared
`common/_pagination.html` include); the Excel link is `{% querystring format="xlsx" page=None %}`.
An export is refused, not cut short, above `EXPORT_MAX_ROWS` rows: the asker narrows the filters.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.excel import ExportWorkbook, xlsx_stream

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
SEARCH_MAX_LENGTH = 50
EXPORT_MAX_ROWS = 20_000
EXPORT_CHUNK = 2_000

EXPORT_TOO_BIG = _("The export would have more than %(limit)s rows; narrow the filters and try again.")


def int_param(params, name: str) -> int | None:
    """`params[name]` as an int, None when it is missing or not a number."""
    try:
        return int(params.get(name))
    except (TypeError, ValueError):
        return None


def search_term(params, name: str = "q") -> str:
    """The search box's text, stripped and bounded."""
    return (params.get(name) or "").strip()[:SEARCH_MAX_LENGTH]


def page_of(request, rows, *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page of `rows` (a queryset or a list): `?page=` (out of range gives the last
    page, nonsense the first) and `?page_size=` bounded to 1..MAX_PAGE_SIZE."""
    size = int_param(request.GET, "page_size") or per_page
    return Paginator(rows, min(max(size, 1), MAX_PAGE_SIZE)).get_page(request.GET.get("page"))


def wants_xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx"


def export_bound(count: int) -> None:
    """DomainError (400) when an export would hold more than EXPORT_MAX_ROWS rows."""
    if count > EXPORT_MAX_ROWS:
        raise DomainError(EXPORT_TOO_BIG % {"limit": f"{EXPORT_MAX_ROWS:,}"}, code="export_too_big")


@dataclass
class Sheet:
    """One sheet of an export: its title, header row and rows (any iterable, read once)."""

    title: str
    headers: Sequence
    rows: Iterable[Sequence]


def xlsx_download(filename: str, *sheets: Sheet):
    """The sheets as an .xlsx download, written row by row and streamed from a temporary file."""
    book = ExportWorkbook()
    for sheet in sheets:
        book.sheet(sheet.title, [str(header) for header in sheet.headers])
        for row in sheet.rows:
            book.append(list(row))
    return xlsx_stream(book, filename)


def export_refused(request, error: DomainError):
    """A page's answer to a refused export: the message, and the same list without `format`."""
    from django.contrib import messages
    from django.shortcuts import redirect

    messages.error(request, str(error.message))
    params = request.GET.copy()
    params.pop("format", None)
    return redirect(f"{request.path}?{params.urlencode()}" if params else request.path)
