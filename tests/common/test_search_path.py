"""`TENANT_LIMIT_SET_CALLS`: `SET search_path` is sent only when the schema changes, so the
database's own search_path must follow the connection's schema in every situation where it could
drift: a savepoint rolled back, a request that fails inside `transaction.atomic`, a task run
in-process, `schema_context`/`tenant_context` exits, a connection closed and reopened, and
requests for two townships on one persistent connection. Each check asks PostgreSQL itself
(`current_schema()`, `current_setting('search_path')`) and reads rows only one township has.
"""
from __future__ import annotations

import pytest
from celery import shared_task
from django.conf import settings
from django.db import DataError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from accounts.models import Role, RoleAssignment
from common.tasks import whereami
from notifications.tasks import deliver
from tenants.organisation.models import Member
from tenants.townships.models import Township
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@shared_task(name="tests.search_path.divide_by_zero")
def divide_by_zero():
    """Fails inside the database, aborting the caller's transaction (as a real task error can)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")


def database_schema(conn=connection) -> tuple[str, str]:
    """What PostgreSQL itself resolves to: (current_schema(), search_path)."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_schema(), current_setting('search_path')")
        return cursor.fetchone()


def assert_in(schema: str, conn=connection) -> None:
    """The connection says `schema` and the database agrees (public always follows a township)."""
    assert conn.schema_name == schema
    expected_path = "public" if schema == "public" else f"{schema}, public"
    assert database_schema(conn) == (schema, expected_path)


class Abandoned(Exception):
    """A block given up half-way."""


def in_savepoint_then_fail(work) -> None:
    with transaction.atomic():
        work()
        raise Abandoned


def in_context_then_fail(township) -> None:
    with tenant_context(township):
        assert_in(township.schema_name)
        raise Abandoned


def set_statements(queries) -> int:
    return sum(1 for query in queries if query["sql"].startswith("SET search_path"))


@pytest.fixture
def marked(township_a, township_b, in_township):
    """One member only alpha has and one only beta has: reading them shows whose tables a query hit."""
    names = {}
    for township in (township_a, township_b):
        with in_township(township):
            names[township.code] = MemberFactory(name=f"{township.code}专有").name
    return names


def member_names() -> set[str]:
    return set(Member.objects.values_list("name", flat=True))


def test_the_setting_is_on_and_a_schema_is_set_once_not_before_every_query(township_a, in_township):
    assert settings.TENANT_LIMIT_SET_CALLS is True
    with in_township(township_a), CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            Member.objects.count()
    assert len(queries) == 4
    assert set_statements(queries) == 1


def test_a_rolled_back_savepoint_does_not_leave_the_previous_townships_path(township_a, township_b, marked):
    with tenant_context(township_b):
        assert member_names() == {marked["beta"]}  # the session's search path is now beta's
    with tenant_context(township_a):
        # The first query in alpha issues its SET inside the savepoint ...
        with pytest.raises(Abandoned):
            in_savepoint_then_fail(lambda: MemberFactory(name="回滚"))
        # ... whose rollback undoes the SET too: the next query must set alpha again.
        assert_in(township_a.schema_name)
        assert member_names() == {marked["alpha"]}


def test_a_request_that_fails_inside_a_transaction_leaves_the_right_schema(client, make_user, township_a,
                                                                           in_township, marked):
    with in_township(township_a):
        existing = Member.objects.get(name=marked["alpha"])
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    response = client.post("/t/alpha/api/v1/members/", {
        "name": "重号", "sex": "M", "birth_date": existing.birth_date.isoformat(), "id_number": existing.id_number,
        "joined_on": existing.joined_on.isoformat(), "branch": existing.branch_id,
    }, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"id_number": ["本镇已有使用该身份证号码的党员。"]}
    assert_in(township_a.schema_name)
    assert member_names() == {marked["alpha"]}


def test_contexts_put_back_the_schema_they_found_even_when_the_block_fails(township_a, township_b, marked):
    assert_in("public")
    with tenant_context(township_a):
        assert_in(township_a.schema_name)
        with schema_context(township_b.schema_name):
            assert member_names() == {marked["beta"]}
        assert_in(township_a.schema_name)
        assert member_names() == {marked["alpha"]}
        with pytest.raises(Abandoned):
            in_context_then_fail(township_b)
        assert_in(township_a.schema_name)
        with schema_context(get_public_schema_name()):
            assert_in("public")
        assert member_names() == {marked["alpha"]}
    assert_in("public")


def test_requests_for_two_townships_on_one_connection_each_read_their_own(client, make_user, township_a,
                                                                          township_b, marked):
    users = {"alpha": make_user(Role.TOWNSHIP_OFFICE, township_a), "beta": make_user(Role.TOWNSHIP_OFFICE, township_b)}
    connection.ensure_connection()
    session = connection.connection
    for code in ("alpha", "beta", "alpha", "beta", "beta", "alpha"):
        client.force_login(users[code])
        response = client.get(f"/t/{code}/api/v1/members/")
        assert response.status_code == 200
        assert [row["name"] for row in response.json()["results"]] == [marked[code]]
        assert_in(f"t_{code}")
        public = client.get("/health/")
        assert public.status_code == 200
        assert_in("public")
    assert connection.connection is session  # one database session served every request


def test_a_township_request_sets_the_search_path_at_most_twice(client, make_user, township_a, marked):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    client.get("/t/alpha/api/v1/members/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/t/alpha/api/v1/members/").status_code == 200
    assert set_statements(queries) <= 2  # public for the township lookup, then the township
    assert len(queries) - set_statements(queries) >= 3


def test_a_closed_connection_sets_the_path_again_when_it_reconnects(township_a, township_b):
    conn = connections.create_connection("default")  # its own session, outside the test's transaction
    try:
        conn.set_tenant(township_a)
        assert_in(township_a.schema_name, conn)
        conn.close()
        assert_in(township_a.schema_name, conn)
        conn.set_tenant(township_b)
        assert_in(township_b.schema_name, conn)
        conn.set_schema_to_public()
        assert_in("public", conn)
    finally:
        conn.close()


# --- tasks run in-process (eager) -------------------------------------------------------------------
def test_after_eager_tasks_in_other_schemas_the_township_and_its_path_are_back(township_a, township_b, marked):
    with tenant_context(township_a):
        assert whereami.apply_async(headers={"_schema_name": township_b.schema_name}).get() == {
            "schema": "t_beta", "code": "beta"}
        deliver.apply_async(args=(0,), headers={"_schema_name": get_public_schema_name()})
        assert connection.tenant is township_a
        assert_in(township_a.schema_name)
        assert member_names() == {marked["alpha"]}
        # The query that failed with "Field 'id' expected a number but got <FakeTenant>".
        assert RoleAssignment.objects.filter(township=connection.tenant).count() == 0


def test_the_countys_own_tenant_is_back_after_an_eager_task_in_a_township(township_a):
    county = Township.objects.get(schema_name=get_public_schema_name())
    connection.set_tenant(county)  # as the middleware leaves a county page
    whereami.apply_async(headers={"_schema_name": township_a.schema_name}).get()
    assert connection.tenant is county
    assert RoleAssignment.objects.filter(township=connection.tenant).count() == 0
    assert_in("public")


def test_a_task_that_fails_in_the_database_still_gives_the_caller_its_township(township_a, township_b, marked):
    with tenant_context(township_a):
        with pytest.raises(DataError), transaction.atomic():
            divide_by_zero.apply_async(headers={"_schema_name": township_b.schema_name})
        assert connection.tenant is township_a
        assert RoleAssignment.objects.filter(township=connection.tenant).count() == 0
        assert_in(township_a.schema_name)
        assert member_names() == {marked["alpha"]}
