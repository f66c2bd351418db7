"""Database helpers for tests."""
from __future__ import annotations

import contextlib

from django.db import connection


@contextlib.contextmanager
def triggers_off():
    """Act as a database superuser would outside the application: with every trigger off
    (session_replication_role = replica), so append-only tables can be changed, e.g. to tamper
    with the ledger or to remove committed test rows again."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
