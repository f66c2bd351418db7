"""Migrate the public schema (and make sure the county's row exists), then every township
schema that has something to migrate, several at a time.

The public schema (when its `django_migrations` lists every shared migration: ~4 s saved on
every start) and a township schema whose `django_migrations` already lists every tenant migration are each skipped
without running Django's migrate machinery, which costs ~0.8 s per schema even when there is
nothing to do. The others are migrated by a pool of `--jobs` worker processes (default 4, or
MIGRATE_JOBS), each with one database connection, so a deploy holds at most that many connections
(plus none in the parent while the pool runs). Each schema is migrated on its own (Django's
per-migration transactions): a schema whose migration fails is reported with the error and the
others go on; the exit status is 1 when any failed, so the deploy stops before the new code serves.
Townships that are not ready (still provisioning, failed, archived) are left alone: provisioning
builds a new schema at the latest state, and `migrate_schemas` would fail on one that does not
exist yet.

Used by `make run` and by the `migrate` one-shot service in infra/docker-compose.prod.yml:
    PYTHONPATH=platform:. python infra/migrate.py [--jobs N] [--verbosity 0|1|2]
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


def needing_migration(wanted: set[tuple[str, str]]) -> tuple[list[str], int, list[str]]:
    """(schemas to migrate, number up to date, ready schemas that are missing)."""
    from django_tenants.utils import schema_exists

    from tenants.townships.models import Township

    ready = Township.objects.filter(status=Township.Status.READY).exclude(schema_name="public")
    todo, missing, current = [], [], 0
    for schema in ready.order_by("schema_name").values_list("schema_name", flat=True):
        if not schema_exists(schema):
            missing.append(schema)
        elif wanted <= applied(schema):
            current += 1
        else:
            todo.append(schema)
    return todo, current, missing


def migrate_one(schema: str, verbosity: int = 1) -> tuple[str, str | None, float]:
    """Migrate one township schema: (schema, None or the error, seconds). Never raises, so one
    broken schema does not stop the others; its connection is closed either way."""
    from django.core.management import call_command
    from django.db import connections

    started = time.monotonic()
    try:
        call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=verbosity)
        error = None
    except Exception as exc:  # noqa: BLE001 - reported per schema; the run goes on
        error = f"{type(exc).__name__}: {exc}".strip()
    finally:
        connections.close_all()
    return schema, error, time.monotonic() - started


def migrate_many(schemas: list[str], *, jobs: int, verbosity: int = 1) -> list[tuple[str, str | None, float]]:
    """Migrate `schemas` with at most `jobs` processes (and connections) at once; results in
    completion order."""
    if jobs <= 1 or len(schemas) <= 1:
        return [migrate_one(schema, verbosity) for schema in schemas]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from django.db import connections

    # Forked workers inherit the configured Django (settings, apps) but must not share the
    # parent's sockets: close them here, each worker opens its own connection.
    connections.close_all()
    results = []
    with ProcessPoolExecutor(max_workers=min(jobs, len(schemas)), mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {pool.submit(migrate_one, schema, verbosity): schema for schema in schemas}
        for future in as_completed(futures):
            try:
                results.append(future.result())
            except Exception as exc:  # noqa: BLE001 - reported like a failed migration
                # A worker process that died (killed, out of memory) breaks the pool: its schema and
                # those not started yet are reported as not migrated; a re-run picks them up.
                results.append((futures[future], f"not migrated, a worker died: {type(exc).__name__}: {exc}", 0.0))
    return results


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MIGRATE_JOBS", "4")),
                        help="township schemas migrated at once (processes and connections; default 4)")
    parser.add_argument("--verbosity", type=int, default=1)
    options = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command

    from tenants.townships.services import county_ensure

    started = time.monotonic()
    if schema_migrations("SHARED_APPS") <= applied("public"):
        print("public schema: up to date")
    else:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=options.verbosity)
    county_ensure()  # the public schema's own row: without it the router answers 404 everywhere
    todo, current, missing = needing_migration(tenant_migrations())
    for schema in missing:
        print(f"township schema {schema} is missing; skipped", file=sys.stderr)
    results = migrate_many(todo, jobs=max(1, options.jobs), verbosity=options.verbosity)
    failed = sorted((schema, error) for schema, error, _seconds in results if error)
    for schema, error in failed:
        print(f"township schema {schema} FAILED: {error}", file=sys.stderr)
    from tenants.townships.schema_script import spares_fill

    made, dropped = spares_fill()  # spares made before these migrations are dropped, the pool refilled
    if made or dropped:
        print(f"spare township schemas: {made} made, {dropped} out of date dropped")
    print(f"townships migrated: {len(results) - len(failed)}, failed: {len(failed)}, already up to date: {current} "
          f"({max(1, options.jobs)} at a time, {time.monotonic() - started:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
