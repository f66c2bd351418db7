"""infra/migrate.py, as a deploy runs it: township schemas migrated in parallel, those with nothing
to do skipped, a schema whose migration fails reported without stopping the others.

The townships and their schemas are COMMITTED (the deploy runs in other processes) and removed
again afterwards, so the session's other tests find the database as it was.
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest
from django.conf import settings
from django.db import connection

from tenants.townships import schema_script
from tenants.townships.models import Township
from tenants.townships.services import schema_name_for
from tests.conftest import DEFAULT_MOMENT
from tests.pinned import pinned_command

MIGRATION = ("appraisal", "0002_pay_freeze_trigger")
# The migration's own reverse: the schema is as it was before 0002 ran.
UNAPPLY = [
    "DROP TRIGGER appraisal_payline_frozen ON {schema}.appraisal_payline",
    "DROP TRIGGER appraisal_paysheet_frozen ON {schema}.appraisal_paysheet",
    "DROP FUNCTION {schema}.appraisal_payline_frozen()",
    "DROP FUNCTION {schema}.appraisal_paysheet_frozen()",
]


def _recorded(cursor, schema: str) -> bool:
    cursor.execute(f"SELECT count(*) FROM {schema}.django_migrations WHERE app = %s AND name = %s", MIGRATION)  # noqa: S608
    return cursor.fetchone()[0] == 1


def _triggers(cursor, schema: str) -> list[str]:
    cursor.execute("SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                   "WHERE c.relnamespace = %s::regnamespace AND t.tgname LIKE 'appraisal_pay%%' ORDER BY 1", [schema])
    return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def behind_townships(django_db_setup, django_db_blocker):
    """Three ready townships one migration behind: two whose schema is as before that migration,
    and one whose schema already has its triggers (a hand-made change), so migrating it fails."""
    codes = ("deploy-one", "deploy-two", "deploy-broken")
    script = schema_script.script_load()
    assert script is not None
    assert script.is_current
    with django_db_blocker.unblock():
        made = []
        try:
            for code in codes:
                township = Township.objects.create(name=f"{code} 镇", code=code, schema_name=schema_name_for(code),
                                                   status=Township.Status.READY)
                made.append(township)
                schema_script.schema_create_from_script(schema_name=township.schema_name, script=script)
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {township.schema_name}.django_migrations "  # noqa: S608
                                   "WHERE app = %s AND name = %s", MIGRATION)
                    if code != "deploy-broken":
                        for sql in UNAPPLY:
                            cursor.execute(sql.format(schema=township.schema_name))
            yield {t.code: t.schema_name for t in made}
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                for township in made:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{township.schema_name}" CASCADE')
            Township.objects.filter(pk__in=[t.pk for t in made]).delete()


def _deploy(*args: str) -> subprocess.CompletedProcess:
    """Run infra/migrate.py against the test database, in its own process, the clock pinned."""
    db = connection.settings_dict
    env = {**os.environ, "PYTHONPATH": f"{settings.BASE_DIR / 'platform'}:{settings.BASE_DIR}",
           "DATABASE_URL": f"postgresql://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"}
    return subprocess.run(pinned_command(DEFAULT_MOMENT, "infra.migrate", *args, "--verbosity", "0"),  # noqa: S603
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield


def test_deploy_migrates_in_parallel_and_reports_a_failed_schema(behind_townships):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM townships_township WHERE status = 'ready' AND schema_name <> 'public'")
        ready = cursor.fetchone()[0]

    run = _deploy("--jobs", "2")

    assert run.returncode == 1, run.stdout + run.stderr
    assert re.findall(r"township schema (\S+) FAILED: (.*)", run.stderr) == [
        ("t_deploy_broken", 'ProgrammingError: trigger "appraisal_payline_frozen" for relation "appraisal_payline" '
                            "already exists"),
    ]
    summary = re.search(r"townships migrated: (\d+), failed: (\d+), already up to date: (\d+) \(2 at a time", run.stdout)
    assert summary is not None, run.stdout
    assert tuple(map(int, summary.groups())) == (2, 1, ready - 3)
    with connection.cursor() as cursor:
        for code in ("deploy-one", "deploy-two"):
            schema = behind_townships[code]
            assert _recorded(cursor, schema)
            assert _triggers(cursor, schema) == ["appraisal_payline_frozen", "appraisal_paysheet_frozen"]
        broken = behind_townships["deploy-broken"]
        assert not _recorded(cursor, broken)  # rolled back: still one migration behind, nothing half-done
        assert _triggers(cursor, broken) == ["appraisal_payline_frozen", "appraisal_paysheet_frozen"]


def test_deploy_with_nothing_to_do_migrates_no_township(committed):
    run = _deploy()

    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"townships migrated: 0, failed: 0, already up to date: \d+ \(4 at a time", run.stdout), run.stdout
