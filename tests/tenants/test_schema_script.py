"""The precompiled township schema script (tenants/townships/schema.sql).

CI runs these with `make test`: they fail when the checked-in script no longer matches the
migrations, or when a schema made from it differs in anything from one made by `migrate`.
"""
from __future__ import annotations

import io
import logging
import pathlib
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_exists, tenant_context

from audit.models import AuditEvent
from tenants.townships import schema_script
from tenants.townships.models import Township
from tenants.townships.services import township_create, township_provision

pytestmark = pytest.mark.django_db(transaction=False)

STALE = f"run `{schema_script.REGENERATE}` and commit tenants/townships/schema.sql"

# Everything a migration can put in a schema, read from PostgreSQL's catalogue. Definitions come
# from pg_get_*def with the schema's name replaced, so two schemas compare as equal text.
CATALOG = {
    "relations": """
        SELECT c.relname, c.relkind, c.relpersistence, c.reltoastrelid <> 0, c.reloptions
          FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1""",
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
               a.attgenerated, pg_get_expr(d.adbin, d.adrelid), co.collname, a.attstorage
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          LEFT JOIN pg_collation co ON co.oid = a.attcollation
         WHERE c.relnamespace = %(ns)s::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY c.relname, a.attnum""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable, k.condeferred,
               k.convalidated
          FROM pg_constraint k LEFT JOIN pg_class c ON c.oid = k.conrelid
         WHERE k.connamespace = %(ns)s::regnamespace ORDER BY 1, 2""",
    "indexes": """
        SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisprimary, i.indisunique
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = %(ns)s::regnamespace AND NOT t.tgisinternal ORDER BY 1, 2""",
    "internal triggers": """
        SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = %(ns)s::regnamespace AND t.tgisinternal GROUP BY 1 ORDER BY 1""",
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
          FROM pg_proc p WHERE p.pronamespace = %(ns)s::regnamespace ORDER BY 1, 2""",
    "sequences": """
        SELECT sequencename, data_type::text, start_value, min_value, max_value, increment_by, cycle,
               cache_size, last_value
          FROM pg_sequences WHERE schemaname = %(name)s ORDER BY 1""",
    "comments": """
        SELECT c.relname, d.objsubid, d.description FROM pg_description d
          JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
         WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1, 2""",
    "types": """
        SELECT t.typname, t.typtype FROM pg_type t
         WHERE t.typnamespace = %(ns)s::regnamespace AND t.typtype NOT IN ('c', 'b') ORDER BY 1""",
    "migrations recorded": "SELECT id, app, name FROM {schema}.django_migrations ORDER BY id",
    "content types": "SELECT id, app_label, model FROM {schema}.django_content_type ORDER BY id",
}


def catalog(schema: str) -> dict[str, list[tuple]]:
    name = re.compile(rf'(?<![\w$])"?{re.escape(schema)}"?(?=\.)')
    quoted = connection.ops.quote_name(schema)
    out = {}
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for part, sql in CATALOG.items():
            cursor.execute(sql.format(schema=quoted), {"ns": quoted, "name": schema})
            out[part] = [tuple(name.sub("<schema>", v) if isinstance(v, str) else v for v in row)
                         for row in cursor.fetchall()]
    return out


def differences(left: dict, right: dict) -> list[str]:
    found = []
    for part in CATALOG:
        only_left = [row for row in left[part] if row not in right[part]]
        only_right = [row for row in right[part] if row not in left[part]]
        if only_left or only_right or left[part] != right[part]:
            found.append(f"{part}: migrate only {only_left[:5]}; script only {only_right[:5]}"
                         + ("; order differs" if not (only_left or only_right) else ""))
    return found


def provision(make_user, django_capture_on_commit_callbacks, code: str) -> Township:
    with django_capture_on_commit_callbacks(execute=True):
        township = township_create(actor=make_user("county_admin"), name=f"{code} 镇", code=code)
    township.refresh_from_db()
    return township


def stale_copy(tmp_path) -> str:
    text = schema_script.DEFAULT_PATH.read_text(encoding="utf-8")
    path = tmp_path / "stale.sql"
    path.write_text(schema_script.DIGEST_LINE.sub("-- migrations-sha256: " + "0" * 64, text), encoding="utf-8")
    return str(path)


def test_checked_in_script_matches_the_migrations():
    script = schema_script.script_load(schema_script.DEFAULT_PATH)
    assert script is not None, f"tenants/townships/schema.sql is missing: {STALE}"
    assert script.digest == schema_script.migrations_digest(), f"the migrations changed since the script was made: {STALE}"
    assert script.is_current


def test_script_schema_equals_migrate_schema(make_user, django_capture_on_commit_callbacks, settings, tmp_path, caplog):
    by_script = provision(make_user, django_capture_on_commit_callbacks, "script-made")
    assert schema_script.spares_fill(count=1) == (1, 0)
    [spare] = schema_script.spares()
    by_spare = provision(make_user, django_capture_on_commit_callbacks, "spare-made")
    assert not schema_exists(spare)
    assert schema_script.spares() == []
    settings.TOWNSHIP_SCHEMA_SCRIPT = stale_copy(tmp_path)
    with caplog.at_level(logging.WARNING, logger="tenants.townships.schema_script"):
        by_migrate = provision(make_user, django_capture_on_commit_callbacks, "migrate-made")

    assert (by_script.status, by_migrate.status) == (Township.Status.READY, Township.Status.READY)
    assert [r.getMessage() for r in caplog.records if r.name == "tenants.townships.schema_script"] == [
        f"township schema script {settings.TOWNSHIP_SCHEMA_SCRIPT} is stale (the migrations changed); provisioning "
        f"with migrate. Run `{schema_script.REGENERATE}` to regenerate it."
    ]
    made_by_script, made_by_migrate = catalog(by_script.schema_name), catalog(by_migrate.schema_name)
    assert len(made_by_migrate["relations"]) > 100  # a real township schema was compared
    assert len(made_by_migrate["triggers"]) > 20
    assert differences(made_by_migrate, made_by_script) == [], f"the script no longer builds what migrate does: {STALE}"
    assert by_spare.status == Township.Status.READY
    assert differences(made_by_migrate, catalog(by_spare.schema_name)) == []  # a renamed spare is the same


def test_spares_of_an_older_script_are_never_claimed_and_are_dropped(make_user, django_capture_on_commit_callbacks):
    old = f"spare_{'0' * 12}_feedbeef"
    schema_script.schema_create_from_script(schema_name=old, script=schema_script.script_load())

    township = provision(make_user, django_capture_on_commit_callbacks, "not-old")

    assert township.status == Township.Status.READY
    assert schema_exists(old)
    assert schema_script.spares_fill(count=0) == (0, 1)
    assert not schema_exists(old)


def test_provisioning_tops_up_the_spares(make_user, django_capture_on_commit_callbacks, settings):
    settings.TOWNSHIP_SPARE_SCHEMAS = 1
    assert schema_script.spares_fill() == (1, 0)
    [first_spare] = schema_script.spares()

    township = provision(make_user, django_capture_on_commit_callbacks, "topped-up")

    assert township.status == Township.Status.READY
    [new_spare] = schema_script.spares()  # the claimed one was replaced by the task after commit
    assert new_spare != first_spare
    assert not schema_exists(first_spare)
    assert schema_script.spares_fill() == (0, 0)


def test_script_township_triggers_work_in_its_own_schema(make_user, django_capture_on_commit_callbacks):
    first = provision(make_user, django_capture_on_commit_callbacks, "first-s")
    second = provision(make_user, django_capture_on_commit_callbacks, "second-s")
    with tenant_context(first):
        event = AuditEvent.objects.create(action="test.row", object_type="test", object_id="1")
        # The append-only guard: a trigger in first's schema calling first's function.
        with (pytest.raises(IntegrityError, match="audit_auditevent is append-only: UPDATE rejected"),
              transaction.atomic(), connection.cursor() as cursor):
            cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.pk])
        assert AuditEvent.objects.get(pk=event.pk).action == "test.row"
    with tenant_context(second):
        assert not AuditEvent.objects.filter(action="test.row").exists()
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgfoid::regprocedure::text FROM pg_trigger WHERE tgname = 'audit_auditevent_no_change' "
                       "AND tgrelid = %s::regclass", [f"{first.schema_name}.audit_auditevent"])
        assert cursor.fetchone() == (f"{first.schema_name}.append_only_guard()",)


def test_failing_script_leaves_no_schema_and_marks_failed(make_user, settings, tmp_path):
    broken = tmp_path / "broken.sql"
    text = schema_script.DEFAULT_PATH.read_text(encoding="utf-8")
    broken.write_text(text + f"\nCREATE TABLE {schema_script.PLACEHOLDER}.audit_auditevent (id int);\n", encoding="utf-8")
    settings.TOWNSHIP_SCHEMA_SCRIPT = str(broken)
    township = township_create(actor=make_user("county_admin"), name="坏脚本镇", code="bad-script")

    with pytest.raises(Exception, match='relation "audit_auditevent" already exists'):
        township_provision(township_id=township.pk)

    township.refresh_from_db()
    assert township.status == Township.Status.FAILED
    assert 'relation "audit_auditevent" already exists' in township.failure_reason
    assert not schema_exists(township.schema_name)
    assert list(AuditEvent.objects.filter(object_id=str(township.pk)).values_list("action", flat=True)
                .order_by("id")) == ["township.create", "township.failed"]


def test_script_with_placeholder_and_digest_only_is_loaded(tmp_path):
    path = tmp_path / "tiny.sql"
    path.write_text(f"-- migrations-sha256: {'a' * 64}\nCREATE TABLE {schema_script.PLACEHOLDER}.t (id int);\n")
    script = schema_script.script_load(path)
    assert script.digest == "a" * 64
    assert not script.is_current
    assert script.for_schema("t_x") == f'-- migrations-sha256: {"a" * 64}\nCREATE TABLE "t_x".t (id int);\n'
    assert script.statements == (f"CREATE TABLE {schema_script.PLACEHOLDER}.t (id int);",)
    assert schema_script.script_load(tmp_path / "missing.sql") is None


def test_dump_clean_keeps_function_bodies_and_names_the_placeholder():
    dump = "\n".join([
        "--", "-- PostgreSQL database dump", "--", "\\restrict abc", "SET statement_timeout = 0;",
        "SELECT pg_catalog.set_config('search_path', '', false);", "CREATE SCHEMA zz_s;",
        "CREATE FUNCTION zz_s.f() RETURNS trigger", "    LANGUAGE plpgsql", "    AS $_$",
        "-- a comment in the body", "SET x = 1;", "BEGIN RETURN NEW; END;", "$_$;",
        "CREATE TABLE zz_s.t (", "    id bigint NOT NULL", ");",
        "CREATE TRIGGER g BEFORE INSERT ON zz_s.t FOR EACH ROW EXECUTE FUNCTION zz_s.f();",
        "\\unrestrict abc",
    ])
    p = schema_script.PLACEHOLDER
    assert schema_script.dump_clean(dump, "zz_s") == "\n".join([
        f"CREATE FUNCTION {p}.f() RETURNS trigger", "    LANGUAGE plpgsql", "    AS $_$",
        "-- a comment in the body", "SET x = 1;", "BEGIN RETURN NEW; END;", "$_$;", "",
        f"CREATE TABLE {p}.t (", "    id bigint NOT NULL", ");", "",
        f"CREATE TRIGGER g BEFORE INSERT ON {p}.t FOR EACH ROW EXECUTE FUNCTION {p}.f();", "",
    ])


def test_command_checks_the_script_and_makes_spares(tmp_path):
    out = io.StringIO()
    call_command("schema_script", check=True, stdout=out)
    assert out.getvalue() == (f"{schema_script.DEFAULT_PATH} matches the migrations "
                              f"({schema_script.migrations_digest()[:12]})\n")
    stale = stale_copy(tmp_path)
    with pytest.raises(CommandError, match=re.escape(f"{stale} is missing or stale: run `{schema_script.REGENERATE}`")):
        call_command("schema_script", check=True, output=pathlib.Path(stale))

    out = io.StringIO()
    call_command("schema_script", spares=1, stdout=out)
    assert out.getvalue() == "spare township schemas: 1 made, 0 out of date dropped, 1 ready\n"
    assert len(schema_script.spares()) == 1


def test_statements_split_keeps_function_bodies_whole():
    sql = "\n".join([
        "-- header", "", "CREATE FUNCTION f() RETURNS trigger", "    AS $$", "BEGIN", "    RETURN NEW;", "END;", "$$;", "",
        "INSERT INTO t (a) VALUES", "    ('x;'),", "    ('y');", "",
    ])
    assert schema_script.statements_split(sql) == (
        "CREATE FUNCTION f() RETURNS trigger\n    AS $$\nBEGIN\n    RETURN NEW;\nEND;\n$$;",
        "INSERT INTO t (a) VALUES\n    ('x;'),\n    ('y');",
    )
    with pytest.raises(schema_script.SchemaScriptError, match="ends inside a statement"):
        schema_script.statements_split("CREATE TABLE t (\n  id int\n")
