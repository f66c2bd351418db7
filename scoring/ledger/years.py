"""The scoring years that have ledger rows, cached per township.

The list only ever grows (the ledger is append-only) and changes only when something is posted to
a year it does not hold yet, yet the ranking page read it on every view with a DISTINCT over the
whole ledger. It is kept in the cache (keys carry the schema: django_tenants.cache.make_key)
under a generation number: a posting that starts a member's yearly total (as the first posting
of a year new to the township always does) bumps the generation once its transaction commits, so
the next reader computes the list afresh; other postings, nearly all of them, touch no cache. A reader that computed a
list just before such a commit stores it under the old generation, where nobody looks again;
that is why the generation is bumped rather than the list deleted.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction
from django_tenants.utils import schema_context

GENERATION_KEY = "ledger-years:generation"
LIST_TIMEOUT = 24 * 3600  # seconds; bounds the life of a list whose generation key was evicted


def _list_key(generation: int) -> str:
    return f"ledger-years:{generation}"


def _cached() -> tuple[int, list[int] | None]:
    generation = cache.get(GENERATION_KEY, 0)
    return generation, cache.get(_list_key(generation))


def ledger_years() -> list[int]:
    """Scoring years with ledger rows in the current township, newest first."""
    from scoring.ledger.models import MemberYearTotal

    generation, years = _cached()
    if years is None:
        # The yearly totals hold a row for every (member, year) the ledger has rows for, and
        # are far fewer rows than the ledger itself.
        years = list(MemberYearTotal.objects.order_by("-scoring_year").values_list("scoring_year", flat=True)
                     .distinct())
        cache.set(_list_key(generation), years, LIST_TIMEOUT)
    return years


def ledger_years_note_posting(years: Iterable[int]) -> None:
    """Called by `ledger_post` inside its transaction when a posting started a member's yearly
    total (which a year new to the township always does; postings that only add to existing
    totals never reach the cache): after commit, make readers recompute the list if these years
    may be new to it."""
    _generation, cached = _cached()
    if cached is not None and set(years) <= set(cached):
        return
    schema = connection.schema_name
    transaction.on_commit(lambda: _bump(schema))


def _bump(schema: str) -> None:
    if connection.schema_name != schema:  # the commit may come after the caller left the township
        with schema_context(schema):
            _bump(schema)
        return
    cache.add(GENERATION_KEY, 0, timeout=None)
    cache.incr(GENERATION_KEY)
