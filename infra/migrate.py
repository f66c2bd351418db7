"""Migrate the public schema (and make sure the county's row exists), then every township
schema that has something to migrate.

One process for all schemas (Django starts once). The public schema, and a township schema, whose
`django_migrations` already lists every migration it should have is skipped without running
Django's migrate machinery, which costs ~0.8 s per schema (~4 s for the public one) even when
there is nothing to do. Townships that are not ready
(still provisioning, failed, archived) are left alone: provisioning migrates a new schema, and
`migrate_schemas` would fail on one that does not exist yet.

Used by `make run` and by the `migrate` one-shot service in infra/docker-compose.prod.yml:
    PYTHONPATH=platform:. python infra/migrate.py
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT / "platform", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


_DISK: set[tuple[str, str]] = set()


def schema_migrations(apps_setting: str = "TENANT_APPS") -> set[tuple[str, str]]:
    """(app_label, migration name) of every migration a township schema (or, with "SHARED_APPS",
    the public schema) should have applied."""
    from django.apps import apps
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    names = set(getattr(settings, apps_setting))
    labels = {config.label for config in apps.get_app_configs() if config.name in names}
    if not _DISK:  # importing every migration module once is enough
        loader = MigrationLoader(connection, ignore_no_migrations=True, load=False)
        loader.load_disk()
        _DISK.update(loader.disk_migrations)
    return {key for key in _DISK if key[0] in labels}


def tenant_migrations() -> set[tuple[str, str]]:
    return schema_migrations("TENANT_APPS")


def applied(schema: str) -> set[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'"{schema}".django_migrations'])
        if cursor.fetchone()[0] is None:
            return set()
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608 - a schema name from our table
        return set(cursor.fetchall())


def main() -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django_tenants.utils import schema_exists

    from tenants.townships.models import Township
    from tenants.townships.services import county_ensure

    started = time.monotonic()
    if schema_migrations("SHARED_APPS") <= applied("public"):
        print("public schema: up to date")
    else:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=1)
    county_ensure()  # the public schema's own row: without it the router answers 404 everywhere
    wanted = tenant_migrations()
    ready = Township.objects.filter(status=Township.Status.READY).exclude(schema_name="public")
    migrated = skipped = 0
    for schema in ready.values_list("schema_name", flat=True):
        if not schema_exists(schema):
            print(f"township schema {schema} is missing; skipped", file=sys.stderr)
            continue
        if wanted <= applied(schema):
            skipped += 1
            continue
        call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=1)
        migrated += 1
    print(f"townships migrated: {migrated}, already up to date: {skipped} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
