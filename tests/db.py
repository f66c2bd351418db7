"""Database helpers for tests.

They work on plain PostgreSQL and on Citus alike (infra/citus.md). On Citus a township's tables
live on a worker: a session-level `SET` and `SET CONSTRAINTS` run on the coordinator only, so
neither may be what a test relies on. Settings go as `SET LOCAL` with
`citus.propagate_set_commands = 'local'`, which Citus sends on to the workers of the transaction
(on plain PostgreSQL `citus.*` is an unused custom setting). DDL or TRUNCATE on a table whose rows
the test wrote earlier in its transaction fails on a worker with "pending trigger events" (the
deferred foreign-key checks): run such statements before writing rows, or break a table by
renaming it (PostgreSQL does not check pending events for a rename).
"""
from __future__ import annotations

import contextlib

from django.db import connection, transaction

PROPAGATE_LOCAL = "SET LOCAL citus.propagate_set_commands TO 'local'"


@contextlib.contextmanager
def triggers_off():
    """Act as a database superuser would outside the application: with every trigger off
    (session_replication_role = replica), so append-only tables can be changed, e.g. to tamper
    with the ledger or to remove committed test rows again.

    The block runs in a savepoint (a transaction when none is open); the setting holds inside it
    only, on the coordinator and on every Citus worker the transaction reaches.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PROPAGATE_LOCAL)
        cursor.execute("SET LOCAL session_replication_role TO replica")
        yield
        # A released savepoint keeps SET LOCAL until the outer transaction ends: switch back here
        # (after an error the savepoint's rollback restores the setting by itself).
        cursor.execute("SET LOCAL session_replication_role TO DEFAULT")


def replica_sql(conn, *statements: str | tuple[str, list]) -> None:
    """Run `statements` (SQL, or (SQL, parameters)) on a test's own autocommit psycopg connection
    with every trigger off, in one transaction, as a superuser removes committed test rows; works
    on Citus too (a session-level SET would not reach the workers)."""
    conn.execute("BEGIN")
    try:
        conn.execute(PROPAGATE_LOCAL)
        conn.execute("SET LOCAL session_replication_role TO replica")
        for statement in statements:
            sql, params = (statement, None) if isinstance(statement, str) else statement
            conn.execute(sql, params)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
