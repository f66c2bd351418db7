"""County figures kept per township in the public schema, exact at read time.

At 1,000 townships a county page cannot read every township's schema when it is viewed: one
statement over all of them takes seconds, holds a lock on some 12,000 tables and indexes, and
leaves about 0.3 MB of relation cache in the connection per schema read. So a county figure that
is one row per township is stored (`TownshipRollup`: the row as JSON and the database snapshot it
was computed in) and a page reads the stored rows, recounting in their schemas only the townships
whose data changed since.

What "changed" means is exact, not a timer: every audit event recorded in a township schema (every
service that changes township data records one, in its own transaction) also writes a
`TownshipChange` row with that transaction's id (`township_changed`). A stored row is fresh while
every change of its township is visible in its snapshot (`pg_visible_in_snapshot`): a change that
committed before the figures were read is in them; one that was still running, or came later, is
not, and makes the row stale. Nothing is written on a time-out, and no write path needs to know
which figures it affects.

A figure is registered once by the app that owns it (`register`), with the SQL that computes one
row per township (`{schema}` and `%s` as `crossschema.union_all` takes them). `rollup_rows` reads
it for a list of townships in one statement when every row is fresh, plus one statement per
`crossschema.CHUNK` stale townships that recounts AND stores them (INSERT ... SELECT over the
UNION ALL, so the snapshot is exactly the one the figures were read in). The beat job
`townships.rollups_refresh` recounts stale rows of the figures in use every ten minutes, so pages
rarely pay for it, and `townships.rollups_prune` removes change rows no stored figure needs.

Bulk writes that bypass the services (the demo seed, benchmark loaders) call `township_changed`
themselves.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django_tenants.utils import get_public_schema_name

from common import clock
from tenants.townships import crossschema
from tenants.townships.models import Township

logger = logging.getLogger(__name__)

# Stored rows of figures nobody read for this long are dropped (and their changes with them).
UNUSED_AFTER = dt.timedelta(days=35)
# A change row is kept at least this long: longer than any statement that may still be reading
# the schemas with a snapshot that misses it.
CHANGE_KEEP = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Figure:
    name: str
    sql: str


_FIGURES: dict[str, Figure] = {}


def register(name: str, sql: str) -> Figure:
    """Declare the per-township figure `name`, computed by `sql` (ONE row per township)."""
    figure = Figure(name=name, sql=sql)
    if _FIGURES.get(name, figure) != figure:
        raise ValueError(f"rollup {name!r} registered twice with different SQL")
    _FIGURES[name] = figure
    return figure


def _public(table: str) -> str:
    return f"{connection.ops.quote_name(get_public_schema_name())}.{connection.ops.quote_name(table)}"


def _tables() -> tuple[str, str, str]:
    return _public("townships_township"), _public("townships_townshipchange"), _public("townships_townshiprollup")


# A change the snapshot `r.snapshot` did not see: not below its xmin and not visible in it.
_UNSEEN = ("c.township_id = r.township_id"
           " AND c.xid >= pg_snapshot_xmin(r.snapshot::pg_snapshot)::text::bigint"
           " AND NOT pg_visible_in_snapshot(c.xid::text::xid8, r.snapshot::pg_snapshot)")


def township_changed(*, schema_name: str | None = None) -> None:
    """Record, in the current transaction, that it changes the township whose schema is
    `schema_name` (default: the connection's). Once per transaction and township; nothing in the
    public schema."""
    schema = schema_name or connection.schema_name
    if not schema or schema == get_public_schema_name():
        return
    township, change, _rollup = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {change} (township_id, xid, created_at) "  # noqa: S608 (quoted names)
            f"SELECT t.id, pg_current_xact_id()::text::bigint, %s FROM {township} t "
            f"WHERE t.schema_name = %s AND NOT EXISTS (SELECT 1 FROM {change} c WHERE c.township_id = t.id "
            f"AND c.xid = pg_current_xact_id()::text::bigint)",
            [clock.now(), schema])


def _params_key(params: Sequence) -> str:
    return json.dumps(list(params), default=str, ensure_ascii=False, separators=(",", ":"))


def _load(text: str) -> dict:
    return json.loads(text, parse_float=Decimal)


Params = Sequence | Callable[[Township], Sequence]


def _params_of(params: Params, township: Township) -> list:
    return list(params(township) if callable(params) else params)


def _recount(*, figure: Figure, params: Params, townships: Sequence[Township]) -> dict[int, dict]:
    """Recount `figure` in the schemas of `townships` and store the rows: one statement per chunk.

    A chunk whose statement fails (a township schema broken or behind on migrations) is retried
    township by township, so one broken schema costs only its own row: it is logged and left out
    of the result, and the county page shows that township as unavailable."""
    rows: dict[int, dict] = {}
    for part in crossschema.chunks(townships):
        try:
            rows.update(_recount_statement(figure=figure, params=params, townships=part))
        except DatabaseError:
            if len(part) == 1:
                logger.exception("county figure %s: township %s could not be read", figure.name, part[0].code)
                continue
            rows.update(_recount(figure=figure, params=params, townships=part[:len(part) // 2]))
            rows.update(_recount(figure=figure, params=params, townships=part[len(part) // 2:]))
    return rows


def _recount_statement(*, figure: Figure, params: Params, townships: Sequence[Township]) -> dict[int, dict]:
    _township, _change, rollup = _tables()
    rows: dict[int, dict] = {}
    # Inside a transaction a failed statement must not abort the caller's: a savepoint around it.
    with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
        selects, values = [], []
        for township in townships:
            township_params = _params_of(params, township)
            one, one_values = crossschema.union_sql(townships=[township], sql=figure.sql, params=township_params)
            selects.append(f"SELECT %s::text AS _params, p.* FROM ({one}) p")  # noqa: S608 (built above)
            values.extend([_params_key(township_params), *one_values])
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {rollup} (township_id, name, params, payload, snapshot, computed_at) "  # noqa: S608
                f"SELECT u.township_id, %s, u._params, to_jsonb(u) - 'township_id' - 'township_code' - '_params', "
                f"pg_current_snapshot()::text, %s FROM ({' UNION ALL '.join(selects)}) u "
                f"ON CONFLICT (township_id, name, params) DO UPDATE SET payload = EXCLUDED.payload, "
                f"snapshot = EXCLUDED.snapshot, computed_at = EXCLUDED.computed_at "
                f"RETURNING township_id, payload::text",
                [figure.name, clock.now(), *values])
            rows.update((township_id, _load(payload)) for township_id, payload in cursor.fetchall())
    return rows


def rollup_rows(*, name: str, townships: Sequence[Township], params: Params = ()) -> dict[int, dict]:
    """The figure `name` for each of `townships` (township id -> its row as a dict; JSON types,
    decimals as `Decimal`, times as ISO text): the stored rows that are fresh, and a recount of the
    rest, stored on the way. `params` are the SQL's parameters (JSON-able), the same for every
    township or a function of the township; each set of parameters is stored apart."""
    figure = _FIGURES[name]
    townships = list(townships)
    if not townships:
        return {}
    _township, change, rollup = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.township_id, r.payload::text FROM {rollup} r "  # noqa: S608 (quoted names)
            f"JOIN unnest(%s::bigint[], %s::text[]) AS k(township_id, params) "
            f"ON k.township_id = r.township_id AND k.params = r.params WHERE r.name = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {change} c WHERE {_UNSEEN})",
            [[t.pk for t in townships], [_params_key(_params_of(params, t)) for t in townships], name])
        rows = {township_id: _load(payload) for township_id, payload in cursor.fetchall()}
    stale = [t for t in townships if t.pk not in rows]
    if stale:
        rows.update(_recount(figure=figure, params=params, townships=stale))
    return rows


def rollups_refresh(*, used_within: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Recount the stale stored rows of every registered figure read or computed within
    `used_within`, for ready townships (the beat job). Returns how many rows were recounted."""
    _township, change, rollup = _tables()
    since = clock.now() - used_within
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.name, r.params, r.township_id FROM {rollup} r "  # noqa: S608 (quoted names)
            f"WHERE r.computed_at >= %s AND EXISTS (SELECT 1 FROM {change} c WHERE {_UNSEEN}) "
            f"ORDER BY r.name, r.params, r.township_id", [since])
        stale = cursor.fetchall()
    ready = {t.pk: t for t in Township.objects.filter(status=Township.Status.READY)}
    groups: dict[tuple[str, str], list[Township]] = {}
    for name, key, township_id in stale:
        if name in _FIGURES and township_id in ready:
            groups.setdefault((name, key), []).append(ready[township_id])
    done = 0
    for (name, key), townships in groups.items():
        done += len(_recount(figure=_FIGURES[name], params=json.loads(key), townships=townships))
    if len({t.pk for townships in groups.values() for t in townships}) > crossschema.CHUNK \
            and not connection.in_atomic_block:
        # Each schema read leaves its tables in this connection's relation cache (about 0.3 MB a
        # township): a fresh connection next time gives that memory back to the server.
        connection.close()
    return done


def rollups_prune() -> tuple[int, int]:
    """Drop stored rows nobody used for `UNUSED_AFTER`, then the change rows that every stored row
    of their township has seen (kept at least `CHANGE_KEEP`). Returns (rows, changes) deleted."""
    _township, change, rollup = _tables()
    now = clock.now()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {rollup} WHERE computed_at < %s", [now - UNUSED_AFTER])  # noqa: S608
        rows = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {change} c WHERE c.created_at < %s "  # noqa: S608 (quoted names)
            f"AND NOT EXISTS (SELECT 1 FROM {rollup} r WHERE {_UNSEEN})", [now - CHANGE_KEEP])
        return rows, cursor.rowcount
