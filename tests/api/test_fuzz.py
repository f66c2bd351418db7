"""Schema-driven fuzzing of both APIs (county and township) with schemathesis: every operation
in the published OpenAPI schemas gets generated requests, valid and invalid, as a county admin
and as a township office; no response may be a server error (5xx), and every response must
conform to the schema (a documented status code and content type, a body matching its schema).

Bounded: a few examples per operation (FUZZ_EXAMPLES, default 4), no shrinking, no example
database, so the suite's time stays predictable. Run with more examples by hand:
`FUZZ_EXAMPLES=50 make test ARGS="tests/api/test_fuzz.py"`.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Role
from config.wsgi import application
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]


def _token(user) -> str:
    return Token.objects.create(user=user).key


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go straight to the WSGI application; like Django's test client, keep it from
    closing the test's database connection (and its transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _in_township(case, code: str | None):
    if code is not None and case.path_parameters is not None and "code" in case.path_parameters:
        case.path_parameters["code"] = code  # the township the caller works in; ids stay generated
    return case


def _fuzz(schema_path: str, token: str, code: str | None = None) -> dict[str, list[str]]:
    schema = schemathesis.openapi.from_wsgi(schema_path, application, headers={"Authorization": f"Token {token}"})
    connection.set_schema_to_public()
    failures: dict[str, list[str]] = {}
    statuses: dict[int, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        _fuzz_operation(operation, token, failures, statuses, code)
    # The fuzzing really ran: every operation was called, and some calls got through (2xx).
    assert sum(statuses.values()) >= len(operations) > 10
    assert any(200 <= code < 300 for code in statuses)
    print(schema_path, len(operations), "operations", dict(sorted(statuses.items())))
    return failures


def _fuzz_operation(operation, token: str, failures: dict[str, list[str]], statuses: dict[int, int],
                    code: str | None) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy().map(lambda case: _in_township(case, code)))
    def run(case):
        try:
            response = case.call(headers={"Authorization": f"Token {token}"})
        finally:
            connection.set_schema_to_public()
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            failures.setdefault(operation.label, []).append(
                f"{response.status_code} {case.method} {case.formatted_path} {case.query!r} {case.body!r}"[:300])
            return
        try:  # the response matches the published schema: documented status, content type and body
            case.validate_response(response, checks=CONFORMANCE)
        except Exception as error:  # noqa: BLE001 - schemathesis raises a group of check failures
            first = next((line.strip() for line in str(error).splitlines() if line.strip().startswith("- ")),
                         str(error).splitlines()[0])
            failures.setdefault(operation.label, []).append(f"{response.status_code} {first}"[:300])

    run()


def test_county_api_never_answers_5xx(make_user):
    admin = make_user(Role.COUNTY_ADMIN)
    failures = _fuzz("/api/v1/schema/", _token(admin))
    assert failures == {}


def test_township_api_never_answers_5xx(make_user, township_a, in_township):
    with in_township(township_a):
        village = VillageFactory(name="甲村")
        MemberFactory(name="张三", branch=BranchFactory(name="甲村党支部", village=village))
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    failures = _fuzz("/t/alpha/api/v1/schema/", _token(office), code="alpha")
    assert failures == {}


def test_the_two_reported_500s_are_clean_errors(make_user, township_a, api):
    client = api(token=_token(make_user(Role.TOWNSHIP_OFFICE, township_a)))
    response = client.get("/t/alpha/api/v1/scoring/entries/abc/evidence/1/")
    assert response.status_code == 404
    assert response.json()["error"]["code"]
    deep = "[" * 1000 + "]" * 1000
    response = client.client.post("/t/alpha/api/v1/villages/", deep, content_type="application/json")
    connection.set_schema_to_public()
    assert response.status_code == 400
    assert response.json()["error"]["message"]
