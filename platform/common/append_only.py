"""Database guards for append-only tables: SQL for migrations.

`append_only(table)` returns (forward, reverse) SQL for a `RunSQL` operation that makes PostgreSQL
reject UPDATE and DELETE of any row and TRUNCATE of the table, for every role and raw SQL
included. The function is created in the schema the migration runs in (a township's schema, or
public). A table owner can still switch a trigger off: the hash chains and the county's copies of
the heads (seals and anchors, public schema) are what catch that.
"""
from __future__ import annotations

FUNCTION = """
CREATE OR REPLACE FUNCTION append_only_guard() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % rejected', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def append_only(table: str, *, rows: bool = True) -> tuple[list[str], list[str]]:
    """SQL guarding `table`: row UPDATE/DELETE (unless `rows=False`, when another trigger already
    does) and TRUNCATE. One statement per string (Citus forwards a string whole to its workers,
    which refuse several commands in one prepared statement)."""
    forward = [FUNCTION, f"""
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION append_only_guard();"""]
    reverse = [f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"]
    if rows:
        forward.append(f"""
CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION append_only_guard();""")
        reverse.append(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};")
    return forward, reverse
