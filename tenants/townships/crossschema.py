"""County figures across townships in a bounded number of statements.

Each township keeps its rows in its own schema. A county page that asked every township in turn
would run one query (and one `SET search_path`) per township; `union_all` instead sends the same
SQL once per ready township, with `{schema}` replaced by the township's quoted schema name, glued
with UNION ALL: ONE statement for up to `CHUNK` townships, PostgreSQL planning it as one query.

Why chunks: a statement holds a lock on every table and index it reads until it ends, and
PostgreSQL's lock table has room for `max_locks_per_transaction` x `max_connections` of them (6,400
by default); at about a dozen relations per township, one statement over 1,000 schemas would fail
with "out of shared memory". Run outside a transaction (autocommit, as pages run), each chunk's
locks go when it ends. County pages that must stay fast at 1,000 townships read stored figures
instead (`tenants.townships.rollups`), which recount only the townships that changed.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connection

from tenants.townships.models import Township

# Townships per statement: about a dozen relations each stays far below the default lock table.
CHUNK = 100


def union_sql(*, townships: Sequence[Township], sql: str,
              params: Sequence | Callable[[Township], Sequence] = ()) -> tuple[str, list]:
    """The UNION ALL statement of `sql` over `townships` and its parameters (see `union_all`)."""
    parts, values = [], []
    for township in townships:
        schema = connection.ops.quote_name(township.schema_name)
        # The schema name is quoted by the database backend; the values travel as parameters.
        parts.append(f"SELECT %s::bigint AS township_id, %s::text AS township_code, q.* "  # noqa: S608
                     f"FROM ({sql.format(schema=schema)}) q")
        values.extend([township.pk, township.code, *(params(township) if callable(params) else params)])
    return " UNION ALL ".join(parts), values


def chunks(townships: Iterable[Township], size: int | None = None) -> Iterable[list[Township]]:
    townships, size = list(townships), size or CHUNK
    for start in range(0, len(townships), size):
        yield townships[start:start + size]


def union_all(*, townships: Iterable[Township], sql: str,
              params: Sequence | Callable[[Township], Sequence] = ()) -> list[dict]:
    """Rows of `sql` run in every township's schema, each with `township_id` and `township_code`
    first. `sql` uses `{schema}` for the schema and `%s` placeholders; `params` are the same for
    every township, or a function of the township. One statement per `CHUNK` townships."""
    rows: list[dict] = []
    for part in chunks(townships):
        statement, values = union_sql(townships=part, sql=sql, params=params)
        with connection.cursor() as cursor:
            cursor.execute(statement, values)
            columns = [c.name for c in cursor.description]
            rows.extend(dict(zip(columns, row, strict=True)) for row in cursor.fetchall())
    return rows
