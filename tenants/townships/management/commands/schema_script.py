"""`manage.py schema_script [--check] [--output PATH]`: (re)generate the township schema script.

Migrates a scratch schema with Django, dumps it with pg_dump (of the server's major version; set
PG_DUMP to choose one) and writes tenants/townships/schema.sql (see
tenants/townships/schema_script.py). Run it after adding or changing a migration and commit the
file; `--check` only says whether the checked-in script matches the migrations (exit status 1 if not);
`--spares N` makes spare township schemas from the checked-in script until N exist (and drops those
of an older script), e.g. before a county adds many townships at once.
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tenants.townships import schema_script


class Command(BaseCommand):
    help = "Generate the township schema script (tenants/townships/schema.sql) from the migrations."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only check that the script is current")
        parser.add_argument("--output", type=Path, default=None, help="where to write (default: the checked-in script)")
        parser.add_argument("--spares", type=int, default=None, metavar="N",
                            help="make spare township schemas from the script until N exist")

    def handle(self, *args, check: bool = False, output: Path | None = None, spares: int | None = None, **options):
        path = output or schema_script.script_path()
        if spares is not None:
            script = schema_script.script_load()
            if script is None or not script.is_current:
                raise CommandError(f"the schema script is missing or stale: run `{schema_script.REGENERATE}` first")
            made, dropped = schema_script.spares_fill(count=spares)
            self.stdout.write(f"spare township schemas: {made} made, {dropped} out of date dropped, "
                              f"{len(schema_script.spares())} ready")
            return
        if check:
            script = schema_script.script_load(path)
            if script is None or not script.is_current:
                raise CommandError(f"{path} is missing or stale: run `{schema_script.REGENERATE}` and commit it")
            self.stdout.write(f"{path} matches the migrations ({script.digest[:12]})")
            return
        try:
            text = schema_script.script_generate()
        except schema_script.SchemaScriptError as exc:
            raise CommandError(str(exc)) from exc
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path} ({len(text.encode()):,} bytes, migrations {schema_script.migrations_digest()[:12]})")
