"""Every raw-SQL migration sends one statement per string.

Citus forwards a RunSQL string whole to its workers, which refuse several commands in one prepared
statement ("cannot insert multiple commands into a prepared statement"). A list of strings runs one
statement each, on PostgreSQL and on Citus alike.
"""
import sqlparse
from django.db import migrations
from django.db.migrations.loader import MigrationLoader


def _statements(sql) -> list[str]:
    if sql is migrations.RunSQL.noop or sql is None:
        return []
    items = [sql] if isinstance(sql, str) else list(sql)
    out = []
    for item in items:
        if isinstance(item, (list, tuple)):  # (sql, params)
            item = item[0]
        out.append(item)
    return out


def _raw_sql_operations(disk_migrations=None):
    if disk_migrations is None:
        disk_migrations = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    for (app, name), migration in sorted(disk_migrations.items()):
        for operation in migration.operations:
            if isinstance(operation, migrations.RunSQL):
                yield f"{app}.{name}", operation


def _offences(disk_migrations=None) -> list[str]:
    offences = []
    for label, operation in _raw_sql_operations(disk_migrations):
        for direction, sql in (("forward", operation.sql), ("reverse", operation.reverse_sql)):
            for text in _statements(sql):
                count = len([s for s in sqlparse.split(text) if s.strip().strip(";").strip()])
                if count != 1:
                    offences.append(f"{label} {direction}: {count} statements in one string")
    return offences


def test_every_raw_sql_string_holds_one_statement():
    assert len(list(_raw_sql_operations())) >= 8, "the loader must find the project's raw-SQL migrations"
    assert _offences() == []


def test_the_check_catches_two_statements_in_one_string():
    class Two(migrations.Migration):
        operations = [
            migrations.RunSQL("CREATE TABLE x (id int); CREATE INDEX x_id ON x (id);", "DROP TABLE x;"),
            migrations.RunSQL(["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;"],
                              ["DROP FUNCTION f(); DROP TABLE y;"]),
        ]

    assert _offences({("fake", "0001_two"): Two("0001_two", "fake")}) == [
        "fake.0001_two forward: 2 statements in one string",
        "fake.0001_two reverse: 2 statements in one string",
    ]


def test_the_loader_reads_every_project_app_with_migrations():
    """Every app of the project that has migrations (new ones included) is in what the check reads,
    and its raw SQL goes through RunSQL (a RunPython step could send SQL the check never sees)."""
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings

    root = Path(settings.BASE_DIR).resolve()
    with_migrations = {config.label for config in apps.get_app_configs()
                       if Path(config.path).resolve().is_relative_to(root)
                       and "site-packages" not in Path(config.path).resolve().parts  # a .venv inside the checkout
                       and any((Path(config.path) / "migrations").glob("0*.py"))}
    disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    assert {"organisation", "ledger", "audit", "accounts", "rewards_county"} <= with_migrations
    assert with_migrations <= {app for app, _name in disk}
    python_steps = [f"{app}.{name}" for (app, name), migration in disk.items()
                    if app in with_migrations
                    for operation in migration.operations if isinstance(operation, migrations.RunPython)]
    assert python_steps == []
