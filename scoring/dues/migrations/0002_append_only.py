"""Dues bases and the dues ledger are append-only: UPDATE, DELETE and TRUNCATE are rejected in the
database (`common.append_only`); one SQL statement per string."""
from django.db import migrations

from common.append_only import FUNCTION

TABLES = ["dues_duesbase", "dues_duespayment"]


def _forward(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION append_only_guard();",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION append_only_guard();",
    ]


def _reverse(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"]


class Migration(migrations.Migration):

    dependencies = [("dues", "0001_initial")]

    operations = [
        migrations.RunSQL([FUNCTION.strip()], reverse_sql=migrations.RunSQL.noop),
        *[migrations.RunSQL(_forward(table), reverse_sql=_reverse(table)) for table in TABLES],
    ]
