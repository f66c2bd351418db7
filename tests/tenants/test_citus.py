"""What keeps the product runnable on a Citus cluster (issue 13 item 6; infra/citus.md).

- No township table has a foreign key to a public-only table, so a township schema can be
  distributed on its own and no public table has to become a reference table.
- Provisioning distributes a new schema only when `CITUS_DISTRIBUTE_SCHEMAS` is on and the
  database has the citus extension; here (plain PostgreSQL) it is skipped and the township is ready.
- No test relies on `SET CONSTRAINTS` or a session-level `SET session_replication_role`, which do
  not reach a Citus worker (tests/db.py).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.test.utils import CaptureQueriesContext, isolate_apps

from tenants.townships.citus import citus_installed, schema_distribute
from tenants.townships.models import Township
from tenants.townships.services import township_create

TESTS = Path(__file__).resolve().parent.parent


def _label(dotted: str) -> str:
    for config in apps.get_app_configs():
        if config.name == dotted:
            return config.label
    raise LookupError(dotted)


def public_only_links(model_list, *, tenant_labels: set[str], shared_labels: set[str],
                      constrained: bool = True) -> list[str]:
    """Relations (foreign key, one-to-one, many-to-many) from a model stored in township schemas to
    a model stored in the public schema only: those with a database constraint, or (constrained=
    False) those kept as a plain id (`db_constraint=False`)."""
    public_only = shared_labels - tenant_labels
    links = []
    for model in model_list:
        if model._meta.app_label not in tenant_labels or not model._meta.managed:
            continue
        for field in model._meta.get_fields(include_hidden=False):
            if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one
                                                              or field.many_to_many)):
                continue
            target = field.related_model
            if getattr(field, "db_constraint", True) is not constrained:
                continue
            if target is not None and target._meta.app_label in public_only:
                links.append(f"{model._meta.label}.{field.name} -> {target._meta.label}")
    return links


def _tenancy_labels() -> tuple[set[str], set[str]]:
    return {_label(name) for name in settings.TENANT_APPS}, {_label(name) for name in settings.SHARED_APPS}


def test_no_township_model_points_at_a_public_only_model():
    tenant_labels, shared_labels = _tenancy_labels()
    assert {"organisation", "ledger", "audit"} <= tenant_labels
    assert {"accounts", "townships"} <= shared_labels - tenant_labels
    every_model = apps.get_models(include_auto_created=True)
    assert public_only_links(every_model, tenant_labels=tenant_labels, shared_labels=shared_labels) == []
    # Kept as an id with its label beside it, no constraint and never joined: allowed, and listed
    # here so that a new one is a decision (on Citus a join to a public table goes through the
    # coordinator).
    assert public_only_links(every_model, tenant_labels=tenant_labels, shared_labels=shared_labels,
                             constrained=False) == ["audit.AuditEvent.actor -> accounts.User"]


@isolate_apps("tenants.organisation")
def test_the_walk_catches_a_foreign_key_to_a_public_table():
    from accounts.models import User

    class Careless(models.Model):
        recorded_by = models.ForeignKey(User, on_delete=models.PROTECT)
        township = models.ForeignKey(Township, on_delete=models.PROTECT)

        class Meta:
            app_label = "organisation"

        def __str__(self):
            return f"careless {self.pk}"

    tenant_labels, shared_labels = _tenancy_labels()
    assert public_only_links([Careless], tenant_labels=tenant_labels, shared_labels=shared_labels) == [
        "organisation.Careless.recorded_by -> accounts.User",
        "organisation.Careless.township -> townships.Township",
    ]


@pytest.mark.django_db
def test_no_foreign_key_in_a_township_schema_leaves_it(township_a, township_b):
    """The database itself: every foreign key of a township's tables stays in its schema."""
    with connection.cursor() as cursor:
        for township in (township_a, township_b):
            cursor.execute("""
                SELECT c.conrelid::regclass::text, c.confrelid::regclass::text
                FROM pg_constraint c JOIN pg_class target ON target.oid = c.confrelid
                WHERE c.contype = 'f' AND c.connamespace = %s::regnamespace
                  AND target.relnamespace <> c.connamespace""", [township.schema_name])
            assert cursor.fetchall() == []
            cursor.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = %s::regnamespace",
                           [township.schema_name])
            assert cursor.fetchone()[0] > 50  # the township's own foreign keys are all there


@pytest.mark.django_db
def test_distribution_is_off_by_default_and_sends_nothing(settings, township_a):
    settings.CITUS_DISTRIBUTE_SCHEMAS = False
    with CaptureQueriesContext(connection) as queries:
        assert schema_distribute(schema_name=township_a.schema_name) is False
    assert queries.captured_queries == []


@pytest.mark.django_db
def test_distribution_is_skipped_without_the_citus_extension(settings, township_a, caplog):
    settings.CITUS_DISTRIBUTE_SCHEMAS = True
    assert citus_installed() is False  # plain PostgreSQL here
    with caplog.at_level(logging.WARNING, logger="tenants.townships.citus"), \
            CaptureQueriesContext(connection) as queries:
        assert schema_distribute(schema_name=township_a.schema_name) is False
    sent = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
    assert sent == ["SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus'"]
    assert "no citus extension" in caplog.text


@pytest.mark.django_db
def test_provisioning_with_distribution_on_ends_ready_on_plain_postgresql(settings, make_user, caplog,
                                                                          django_capture_on_commit_callbacks):
    settings.CITUS_DISTRIBUTE_SCHEMAS = True
    with django_capture_on_commit_callbacks(execute=True), \
            caplog.at_level(logging.INFO, logger="tenants.townships.citus"):
        township = township_create(actor=make_user("county_admin"), name="分布镇", code="citusplain")
    township.refresh_from_db()
    assert (township.status, township.failure_reason) == (Township.Status.READY, "")
    # The hook ran, found no Citus and left the schema as it was.
    assert [r.getMessage() for r in caplog.records if r.name == "tenants.townships.citus"] == [
        "CITUS_DISTRIBUTE_SCHEMAS is on but the database has no citus extension; schema t_citusplain stays a "
        "plain schema"]


def test_no_test_relies_on_what_does_not_reach_a_citus_worker():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name in {"db.py", Path(__file__).name}:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"SET CONSTRAINTS ALL", text) or re.search(r"SET session_replication_role", text):
            offenders.append(str(path.relative_to(TESTS)))
    assert offenders == []
