"""Hot pages and API lists cost a fixed number of queries, however many rows they show: entry
lists, review queues, points cards and member lists (issue 13 item 7). Each test measures the same
URL with few rows and with many, and asserts the counts are equal and small."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MemberFactory
from tests.scoring import test_entries_services as support
from tests.scoring.test_entries_services import create, review

world = support.world
_media = support._media

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    """Statements one GET of `url` runs (SET search_path left out: not per row either way)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    connection.set_schema_to_public()
    assert response.status_code == 200, url
    return sum(1 for query in captured if not query["sql"].startswith("SET search_path"))


def costs(client, urls) -> dict[str, int]:
    for url in urls:
        client.get(url)  # warm the per-process caches first (content types, URL resolver)
    connection.set_schema_to_public()
    return {url: queries(client, url) for url in urls}


def add_entries(world, in_township, count: int) -> None:
    """`count` entries waiting at the branch level, each about a member of its own (no caps)."""
    with in_township(world.township):
        for _ in range(count):
            create(world, member_id=MemberFactory(branch=world.branch).pk, rule_code="V01", points="2")


def test_entry_lists_and_review_queues_do_not_grow_with_entries(client, world, in_township):
    office_urls = ["/t/alpha/scoring/entries/", "/t/alpha/api/v1/scoring/entries/"]
    queue_urls = ["/t/alpha/scoring/reviews/", "/t/alpha/api/v1/scoring/entries/review-queue/"]
    add_entries(world, in_township, 5)
    with in_township(world.township):
        first = create(world, rule_code="V01", points="2")
        review(world, world.users.secretary, first)
    client.force_login(world.users.office)
    office_few = costs(client, office_urls)
    client.force_login(world.users.secretary)
    queue_few = costs(client, queue_urls)

    add_entries(world, in_township, 25)
    client.force_login(world.users.office)
    office_many = costs(client, office_urls)
    listed = client.get("/t/alpha/api/v1/scoring/entries/", {"member": world.member.pk}).json()["results"]
    connection.set_schema_to_public()
    client.force_login(world.users.secretary)
    queue_many = costs(client, queue_urls)
    queue = client.get("/t/alpha/api/v1/scoring/entries/review-queue/").json()
    connection.set_schema_to_public()

    assert office_many == office_few
    assert queue_many == queue_few
    assert max(office_few.values()) <= 12
    assert max(queue_few.values()) <= 12
    assert queue["count"] == 30  # every new entry waits at the branch level, the reviewed one does not
    # The names still come with each entry (looked up once for the page).
    [entry] = listed
    assert [(r["level"], r["reviewer_name"]) for r in entry["reviews"]] == [
        ("branch", str(world.users.secretary))]


def test_points_cards_do_not_grow_with_ledger_rows(client, world, in_township):
    urls = [f"/t/alpha/scoring/members/{world.member.pk}/card/", f"/t/alpha/api/v1/scoring/members/{world.member.pk}/card/"]

    def post(count):
        with in_township(world.township):
            for _ in range(count):
                entry = create(world, rule_code="V01", points="2")
                for user in (world.users.secretary, world.users.work_team, world.users.liaison):
                    review(world, user, entry)

    post(2)
    client.force_login(world.users.office)
    few = costs(client, urls)
    post(8)
    many = costs(client, urls)
    card = client.get(urls[1]).json()
    connection.set_schema_to_public()
    assert many == few
    # The page: tenant, session, user, roles; the card's own 10 (member, year, rows, their evidence
    # and reviews, the reviewers' names, branch rank, years, veto, anchor); the page's standing,
    # trend, current year, ratings and amendments, tier; the unread count in the menu.
    assert few == {urls[0]: 21, urls[1]: 16}
    assert len(card["rows"]) == 10
    assert {r["reviewer_name"] for row in card["rows"] for r in row["reviews"]} == {
        str(world.users.secretary), str(world.users.work_team), str(world.users.liaison)}


def test_member_lists_do_not_grow_with_members(client, world, in_township):
    urls = ["/t/alpha/members/", "/t/alpha/api/v1/members/"]
    client.force_login(world.users.office)
    few = costs(client, urls)  # the world's 2 members
    with in_township(world.township):
        MemberFactory.create_batch(18, branch=world.branch)
    many = costs(client, urls)
    assert client.get(urls[1]).json()["count"] == 20
    connection.set_schema_to_public()
    assert many == few
    # The page: tenant, session, user, roles, the unread count, the filters' branches and villages,
    # the count and the page of members. Each a plain statement: no server-side cursor
    # (DECLARE ... WITH HOLD, FETCH, CLOSE) for a select's choices.
    assert few == {urls[0]: 9, urls[1]: 6}
    with CaptureQueriesContext(connection) as captured:
        client.get(urls[0])
    connection.set_schema_to_public()
    assert not [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith(("DECLARE", "FETCH"))]
