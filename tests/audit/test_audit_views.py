"""The audit browser: county events in public, each township's events in its own schema."""
import datetime as dt

import pytest
from django.db import transaction

from accounts.models import Role
from audit.models import AuditEvent
from audit.services import audit_record
from tenants.townships.models import Township
from tests.db import triggers_off

pytestmark = pytest.mark.django_db


def _event(action, repr_, *, actor=None, before=None, after=None, object_type="organisation.village", object_id=1):
    with transaction.atomic():
        return audit_record(actor=actor, action=action, object_type=object_type, object_id=object_id,
                            object_repr=repr_, before=before, after=after)


@pytest.fixture
def events(in_township, township_a, township_b, make_user):
    """Two events in alpha, one in beta, one at county level."""
    actor = make_user(username="office-a")
    with in_township(township_a):
        _event("village.create", "甲村", actor=actor, after={"name": "甲村", "code": "A1"})
        _event("village.update", "甲村改", actor=actor, before={"name": "甲村", "code": "A1"},
               after={"name": "甲村改", "code": "A1"})
    with in_township(township_b):
        _event("village.create", "乙村", after={"name": "乙村", "code": "B1"})
    _event("township.create", "县级事件", object_type="townships.township", object_id=township_a.pk)


def _reprs(response):
    return [event.object_repr for event, _changes in response.context["rows"]]


def test_township_office_sees_own_township_events_only(client, make_user, township_a, events):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))

    response = client.get("/t/alpha/audit/")

    assert response.status_code == 200
    assert _reprs(response) == ["甲村改", "甲村"]
    assert "乙村" not in response.content.decode()
    assert "县级事件" not in response.content.decode()
    assert client.get("/t/beta/audit/").status_code == 403
    assert client.get("/audit/").status_code == 403  # county events are for county admins


@pytest.mark.parametrize("role", [Role.CLERK, Role.MEMBER, None])
def test_others_get_403(client, make_user, township_a, events, role):
    client.force_login(make_user(role, township_a))
    assert client.get("/t/alpha/audit/").status_code == 403


def test_county_admin_sees_every_township_and_the_county(client, make_user, events):
    client.force_login(make_user(Role.COUNTY_ADMIN))
    assert _reprs(client.get("/t/alpha/audit/")) == ["甲村改", "甲村"]
    assert _reprs(client.get("/t/beta/audit/")) == ["乙村"]
    county = client.get("/audit/")
    assert county.status_code == 200
    assert "县级事件" in _reprs(county)
    assert "甲村" not in _reprs(county)


def test_filters_give_exact_rows(client, make_user, township_a, events):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    assert _reprs(client.get("/t/alpha/audit/", {"action": "village.update"})) == ["甲村改"]
    assert _reprs(client.get("/t/alpha/audit/", {"action": "village.create"})) == ["甲村"]
    assert _reprs(client.get("/t/alpha/audit/", {"actor": "office-a", "object_type": "organisation.village"})) == [
        "甲村改", "甲村"]
    assert _reprs(client.get("/t/alpha/audit/", {"object_type": "organisation.branch"})) == []
    assert _reprs(client.get("/t/alpha/audit/", {"since": "2000-01-01", "until": "2000-12-31"})) == []


def test_times_are_shown_in_the_township_time_zone(client, make_user, in_township, township_a):
    moment = dt.datetime(2025, 3, 1, 0, 30, tzinfo=dt.UTC)
    with in_township(township_a):
        event = _event("village.create", "甲村")
        with triggers_off():  # the trail is append-only; back-date the event as a superuser would
            AuditEvent.objects.filter(pk=event.pk).update(occurred_at=moment)
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))

    assert "2025-03-01 08:30:00" in client.get("/t/alpha/audit/").content.decode()  # Asia/Shanghai
    Township.objects.filter(pk=township_a.pk).update(time_zone="Asia/Urumqi")
    html = client.get("/t/alpha/audit/").content.decode()
    assert "2025-03-01 06:30:00" in html
    assert "2025-03-01 08:30:00" not in html
    # The date filter finds the event on its day.
    assert _reprs(client.get("/t/alpha/audit/", {"since": "2025-03-01", "until": "2025-03-01"})) == ["甲村"]


def test_list_shows_compact_diff_and_detail_shows_it_in_full(client, make_user, in_township, township_a):
    with in_township(township_a):
        event = _event("village.update", "甲村改", before={"name": "甲村", "code": "A1"},
                       after={"name": "甲村改", "code": "A1"})
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))

    listing = client.get("/t/alpha/audit/")
    [(_, changes)] = listing.context["rows"]
    assert [(c.key, c.before, c.after) for c in changes] == [("name", "甲村", "甲村改")]  # code unchanged: hidden

    detail = client.get(f"/t/alpha/audit/{event.pk}/")
    assert detail.status_code == 200
    assert [(c.key, c.before, c.after) for c in detail.context["changes"]] == [("name", "甲村", "甲村改")]
    assert client.get(f"/t/alpha/audit/{event.pk + 1000}/").status_code == 404


def test_pages_hold_50_events(client, make_user, in_township, township_a):
    with in_township(township_a):
        for i in range(51):
            _event("village.create", f"村{i}")
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))

    first = client.get("/t/alpha/audit/")
    second = client.get("/t/alpha/audit/", {"page": 2})

    assert len(first.context["rows"]) == 50
    assert _reprs(second) == ["村0"]


ID_NUMBER = "371326199001011234"


@pytest.mark.parametrize(("role", "shown"), [
    (Role.TOWNSHIP_OFFICE, ID_NUMBER),
    (Role.COUNTY_ADMIN, "371***********1234"),
])
def test_id_numbers_in_audit_pages_and_api_follow_the_viewer(client, make_user, in_township, township_a, role, shown):
    """Issue 9, defect 2: the county admin saw full ID numbers in the township's audit pages."""
    with in_township(township_a):
        event = _event("member.create", "张三", object_type="organisation.member",
                       after={"name": "张三", "id_number": ID_NUMBER})
        _event("member.update", "张三", object_type="organisation.member",
               before={"id_number": ID_NUMBER}, after={"id_number": "371326199001011242"})
    user = make_user(role, township_a)
    client.force_login(user)
    listing = client.get("/t/alpha/audit/")
    detail = client.get(f"/t/alpha/audit/{event.pk}/")
    api = client.get(f"/t/alpha/api/v1/audit-events/{event.pk}/")
    for response in (listing, detail, api):
        assert response.status_code == 200
    assert [(c.key, c.after) for c in detail.context["changes"]] == [("name", "张三"), ("id_number", shown)]
    assert api.json()["after"] == {"name": "张三", "id_number": shown}
    for response in (listing, detail):
        page = response.content.decode()
        assert shown in page
        if shown != ID_NUMBER:
            assert ID_NUMBER not in page
            assert "371326199001011242" not in page
