"""County figures across townships in one statement.

Each township keeps its rows in its own schema. A county page that asked every township in turn
would run one query (and one `SET search_path`) per township; `union_all` instead sends ONE
statement: the same SQL once per ready township, with `{schema}` replaced by the township's quoted
schema name, glued with UNION ALL. PostgreSQL plans it as one query; the number of statements is
fixed whatever the number of townships.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connection

from tenants.townships.models import Township


def union_all(*, townships: Iterable[Township], sql: str,
              params: Sequence | Callable[[Township], Sequence] = ()) -> list[dict]:
    """Rows of `sql` run in every township's schema, each with `township_id` and `township_code`
    first. `sql` uses `{schema}` for the schema and `%s` placeholders; `params` are the same for
    every township, or a function of the township."""
    townships = list(townships)
    if not townships:
        return []
    parts, values = [], []
    for township in townships:
        schema = connection.ops.quote_name(township.schema_name)
        # The schema name is quoted by the database backend; the values travel as parameters.
        parts.append(f"SELECT %s::bigint AS township_id, %s::text AS township_code, q.* "  # noqa: S608
                     f"FROM ({sql.format(schema=schema)}) q")
        values.extend([township.pk, township.code, *(params(township) if callable(params) else params)])
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), values)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
