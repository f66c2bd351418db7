"""The daily draw job run twice through a REAL Celery worker produces one draw.

The worker (tests/common/test_celery_worker.py's fixture, clock pinned at the suite's default
moment 2026-11-20) only sees committed rows, so this test writes the township's villages and
November's commitment (made in October) through a separate autocommitting connection and removes
everything the worker wrote afterwards.
"""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import connection

from scoring.oversight import sampler
from scoring.oversight.tasks import draws_run
from tests.common import test_celery_worker as worker_tests
from tests.common.test_celery_worker import RESULT_TIMEOUT, _database_url
from tests.db import replica_sql

# The real worker of tests/common/test_celery_worker.py (its own queue, clock pinned), reused here.
celery_worker = worker_tests.celery_worker
real_worker = worker_tests.real_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

SEED = "ab" * 32


@pytest.fixture
def committed_alpha():
    with psycopg.connect(_database_url(connection.settings_dict), autocommit=True) as conn:
        conn.execute("SET search_path TO t_alpha")
        conn.execute("INSERT INTO organisation_village (name, code, created_at, updated_at) "
                     "SELECT '工人村' || g, 'WK' || g, now(), now() FROM generate_series(1, 7) g")
        conn.execute("INSERT INTO oversight_draw (year, month, status, commitment, seed, committed_at, algorithm, "
                     "public_value_source, public_value, seal_lines, override, override_source, share, villages, "
                     "forced, drawn_codes) VALUES (2026, 11, 'committed', %s, %s, %s, '', '', '', '[]', '', '', '', "
                     "'[]', '[]', '[]')",
                     [sampler.commitment_of(SEED), SEED, dt.datetime(2026, 10, 25, tzinfo=dt.UTC)])
        try:
            yield conn
        finally:
            # Remove the committed rows again as a superuser would (the audit trail is append-only).
            replica_sql(conn, "TRUNCATE oversight_draw CASCADE",
                        "DELETE FROM audit_auditevent WHERE action IN ('draw.commit', 'draw.run', 'check.open')",
                        "DELETE FROM organisation_village WHERE code LIKE 'WK%'")


def test_the_beat_job_run_twice_makes_one_draw(real_worker, committed_alpha, in_township, township_a):
    with in_township(township_a):
        results = [draws_run.apply_async(queue=real_worker, ignore_result=False) for _ in range(2)]
    outcomes = []
    for result in results:
        try:
            outcomes.append(result.get(timeout=RESULT_TIMEOUT))
        finally:
            result.forget()
    assert sorted(o["drawn"] is not None for o in outcomes) == [False, True]
    assert {o["committed"] for o in outcomes} == {"2026-12"}
    rows = committed_alpha.execute("SELECT year, month, status, jsonb_array_length(drawn_codes), seed "
                                   "FROM oversight_draw ORDER BY year, month").fetchall()
    assert [r[:4] for r in rows] == [(2026, 11, "drawn", 3), (2026, 12, "committed", 0)]
    assert rows[0][4] == SEED
    assert rows[1][4] != SEED
    checks = committed_alpha.execute("SELECT count(*) FROM oversight_check").fetchone()[0]
    assert checks == 3
