"""Spot-check pages and API: who sees what, township isolation, the verifier on the page's JSON,
the county rollup."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Role
from scoring.oversight import services
from scoring.oversight.models import Check, CheckTeamMember
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_rollups")]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


def _get(client, path, **kwargs):
    try:
        return client.get(path, **kwargs)
    finally:
        connection.set_schema_to_public()


def _post(client, path, data):
    try:
        return client.post(path, data)
    finally:
        connection.set_schema_to_public()


@pytest.fixture
def drawn(township_a, township_b, in_township, make_user, clock):
    """Both townships drew December 2026 (six villages each); alpha's office and an outsider clerk."""
    clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))
    out = {}
    for township in (township_a, township_b):
        make_user(Role.TOWNSHIP_OFFICE, township)
        with in_township(township):
            for i in range(6):
                MemberFactory(branch=BranchFactory(village=VillageFactory(code=f"{township.code[0]}{i}")))
            services.draw_commit(year=2026, month=12)
    clock.set(dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI))
    for township in (township_a, township_b):
        with in_township(township):
            out[township.code] = services.draw_run(year=2026, month=12)
    return out


def test_the_page_json_and_the_api_inputs_verify_with_the_stand_alone_verifier(client, make_user, township_a,
                                                                               drawn, tmp_path):
    client.force_login(make_user(Role.SUPERVISION_OFFICE, township_a))
    draw = drawn["alpha"]
    page = _get(client, f"/t/alpha/oversight/draws/{draw.pk}/").content.decode()
    assert draw.seed in page
    assert draw.commitment in page
    assert draw.public_value in page
    download = _get(client, f"/t/alpha/oversight/draws/{draw.pk}/draw.json")
    api = _get(client, f"/t/alpha/api/v1/oversight/draws/{draw.pk}/inputs/")
    assert api.status_code == 200
    assert json.loads(download.content) == api.json()
    path = tmp_path / "draw.json"
    path.write_bytes(download.content)
    result = subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == draw.drawn_codes
    assert len(draw.drawn_codes) == 2


def test_one_township_never_sees_anothers_draws_or_checks(client, make_user, township_a, township_b, drawn):
    office_a = make_user(Role.TOWNSHIP_OFFICE, township_a)
    client.force_login(office_a)
    assert _get(client, "/t/beta/oversight/").status_code == 403
    assert _get(client, "/t/beta/api/v1/oversight/draws/").status_code == 403
    listed = _get(client, "/t/alpha/api/v1/oversight/draws/").json()
    assert [d["commitment"] for d in listed] == [drawn["alpha"].commitment]
    checks = _get(client, "/t/alpha/api/v1/oversight/checks/").json()
    assert sorted(c["village_code"] for c in checks) == sorted(drawn["alpha"].drawn_codes)
    assert all(code.startswith("a") for code in drawn["alpha"].drawn_codes)
    page = _get(client, "/t/alpha/oversight/").content.decode()
    assert drawn["alpha"].commitment[:17] in page
    assert drawn["beta"].commitment[:17] not in page


def test_team_members_see_their_checks_and_others_nothing(client, make_user, township_a, in_township, drawn):
    clerk = make_user(Role.CLERK, township_a, village_ids=[])
    client.force_login(clerk)
    assert _get(client, "/t/alpha/api/v1/oversight/checks/").json() == []
    assert _get(client, "/t/alpha/api/v1/oversight/draws/").json() == []
    with in_township(township_a):
        check = Check.objects.order_by("id").first()
    assert _get(client, f"/t/alpha/oversight/checks/{check.pk}/").status_code == 404
    assert _get(client, f"/t/alpha/api/v1/oversight/checks/{check.pk}/").status_code == 404
    assert _get(client, "/t/alpha/oversight/checks/unannounced/").status_code == 403
    with in_township(township_a):
        CheckTeamMember.objects.create(check_obj=check, user_id=clerk.pk, role="clerk")
    assert _get(client, f"/t/alpha/oversight/checks/{check.pk}/").status_code == 200
    assert [c["id"] for c in _get(client, "/t/alpha/api/v1/oversight/checks/").json()] == [check.pk]


def test_unannounced_check_page_and_report(client, make_user, township_a, in_township, drawn):
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    client.force_login(office)
    with in_township(township_a):
        from tenants.organisation.models import Village

        village = Village.objects.get(code="a3")
    page = _get(client, f"/t/alpha/oversight/checks/unannounced/?village={village.pk}")
    assert page.status_code == 200
    assert f'value="{village.pk}" selected' in page.content.decode()
    response = _post(client, "/t/alpha/oversight/checks/unannounced/", {"village": village.pk, "note": "群众反映"})
    assert response.status_code == 302
    with in_township(township_a):
        check = Check.objects.get(kind="unannounced")
    assert (check.village_id, check.note, check.year, check.month) == (village.pk, "群众反映", 2026, 11)
    report = _get(client, "/t/alpha/oversight/report/2026/11/")
    assert report.status_code == 200
    assert village.name in report.content.decode()
    xlsx = _get(client, "/t/alpha/oversight/report/2026/11/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx.content[:2] == b"PK"


def test_county_rollup_only_for_the_county_admin(client, make_user, township_a, drawn):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    assert _get(client, "/oversight/").status_code == 403
    client.force_login(make_user(Role.COUNTY_ADMIN))
    page = _get(client, "/oversight/")
    assert page.status_code == 200
    text = page.content.decode()
    assert township_a.name in text
    assert "2 / 6" in text


def test_the_api_is_in_the_openapi_schema(client, make_user, township_a):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    schema = _get(client, "/t/alpha/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("oversight/draws/", "oversight/draws/{id}/inputs/", "oversight/checks/{id}/findings/",
                 "oversight/checks/unannounced/"):
        assert path in schema
