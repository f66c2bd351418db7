"""The county rollup through a REAL Celery worker (tests/common/test_celery_worker.py's worker, clock
pinned): run twice, it makes one result; with one township's schema broken (a table renamed away),
the other township's results are stored and the failure is recorded on the run.

The worker only sees committed rows, so the policy and the broken table are committed through a
separate autocommitting connection and everything is put back afterwards."""
from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from scoring.rewards.county.tasks import rollup
from tests.common import test_celery_worker as worker_tests
from tests.common.test_celery_worker import RESULT_TIMEOUT, _database_url
from tests.db import replica_sql

celery_worker = worker_tests.celery_worker
real_worker = worker_tests.real_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

YEAR = 2026


@pytest.fixture
def broken_beta(township_b):
    schema = township_b.schema_name
    with psycopg.connect(_database_url(connection.settings_dict), autocommit=True) as conn:
        conn.execute("INSERT INTO rewards_county_rewardpolicy (year, budget, special_fund, per_star, per_tier_level, "
                     "per_candidate, per_branch, updated_at) VALUES (%s, 5000, 500, 10, 1, 2, 5, now())", [YEAR])
        conn.execute(f'ALTER TABLE "{schema}".rewards_membertier RENAME TO rewards_membertier_gone')
        try:
            yield conn
        finally:
            conn.execute(f'ALTER TABLE "{schema}".rewards_membertier_gone RENAME TO rewards_membertier')
            replica_sql(conn, "DELETE FROM rewards_county_rollupcandidate",
                        "DELETE FROM rewards_county_rolluptownship",
                        "DELETE FROM rewards_county_rolluprun",
                        ("DELETE FROM rewards_county_rewardpolicy WHERE year = %s", [YEAR]),
                        "DELETE FROM audit_auditevent WHERE action = 'rollup.run'")


def test_the_worker_rolls_up_once_and_records_the_broken_township(real_worker, broken_beta, township_a, township_b):
    results = [rollup.apply_async(args=(YEAR, "year_end"), queue=real_worker) for _ in range(2)]
    outcomes = []
    for result in results:
        try:
            outcomes.append(result.get(timeout=RESULT_TIMEOUT))
        finally:
            result.forget()
    assert [len(o) for o in outcomes] == [1, 1]
    assert outcomes[0][0]["id"] == outcomes[1][0]["id"]
    assert [o[0]["failed"] for o in outcomes] == [[township_b.pk], [township_b.pk]]
    assert all(o[0]["fallback"] and o[0]["state"] == "collected" for o in outcomes)
    runs = broken_beta.execute("SELECT id, state, budget, fallback FROM rewards_county_rolluprun "
                               "WHERE year = %s", [YEAR]).fetchall()
    assert len(runs) == 1
    assert runs[0][1:] == ("collected", 5000, True)
    rows = {row[0]: row[1:] for row in broken_beta.execute(
        "SELECT township_id, ok, error <> '', rank, share FROM rewards_county_rolluptownship WHERE run_id = %s",
        [runs[0][0]]).fetchall()}
    assert rows[township_a.pk] == (True, False, 1, 5000)
    ok, has_error, rank, share = rows[township_b.pk]
    assert (ok, has_error, rank, share) == (False, True, None, 0)
    error = broken_beta.execute("SELECT error FROM rewards_county_rolluptownship WHERE run_id = %s AND NOT ok",
                                [runs[0][0]]).fetchone()[0]
    assert "rewards_membertier" in error
