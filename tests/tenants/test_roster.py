"""Excel roster import (upload, job, progress page) and Excel exports, on real PostgreSQL."""
import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from notifications.models import Notification
from tenants.organisation.models import Member, RosterImport
from tenants.organisation.roster import COLUMNS, roster_import_process
from tenants.organisation.tasks import roster_import_run
from tests.factories import BranchFactory, MemberFactory, VillageFactory, make_id_number

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
    "姓名", "性别(男/女)", "出生日期", "身份证号", "联系电话", "入党日期", "党员类型(正式党员/预备党员)",
    "预备期满日期", "人员类别(农村/机关/企业/退休)", "所在支部", "是否外出务工(是/否)", "务工地点",
    "是否特殊职业(是/否)", "特殊职业", "是否老年党员(是/否)",
]
ID_A = make_id_number(birth_date=dt.date(1970, 3, 15), sex="M", serial=11)
ID_B = make_id_number(birth_date=dt.date(1985, 11, 2), sex="F", serial=12)
ID_C = make_id_number(birth_date=dt.date(1950, 1, 31), sex="M", serial=13)
ID_D = make_id_number(birth_date=dt.date(1990, 6, 6), sex="F", serial=14)


def _bad_check_digit(id_number: str) -> str:
    return id_number[:17] + ("0" if id_number[17] != "0" else "1")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads go to tmp_path. django-tenants' storage caches the media root and does not reset
    it when MEDIA_ROOT changes, so drop its cached value around each test."""
    settings.MEDIA_ROOT = tmp_path
    storages["default"].__dict__.pop("relative_media_root", None)
    yield
    storages["default"].__dict__.pop("relative_media_root", None)


def _workbook(rows, headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(content: bytes, name="花名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def _read(response) -> list[list]:
    assert response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


GOOD_ROWS = [
    # Excel dates, a full rural member
    ["张三", "男", dt.date(1970, 3, 15), ID_A, "13800000001", dt.date(1995, 7, 1), "正式党员", None,
     "农村", "一村党支部", "否", None, "否", None, "否"],
    # text dates in both formats, probationary, migrant
    ["李梅", "女", "1985-11-02", ID_B.lower()[:17] + ID_B[17].lower(), 13800000002, "2024/05/20", "预备党员",
     "2025-05-20", "企业", "二村党支部", "是", "广东省深圳市", "否", "", "否"],
    # elderly retiree with a special occupation
    ["王五", "男", "1950/01/31", ID_C, None, "1975-10-01", "正式党员", None, "退休", "一村党支部", "否", "",
     "是", "远洋船员", "是"],
]


@pytest.fixture
def alpha(township_a, in_township):
    with in_township(township_a):
        village = VillageFactory(name="一村", code="A01")
        first = BranchFactory(name="一村党支部", village=village)
        second = BranchFactory(name="二村党支部", village=VillageFactory(name="二村", code="A02"))
    return {"township": township_a, "village": village, "first": first, "second": second}


@pytest.fixture
def office(alpha, make_user, client):
    user = make_user("township_office", alpha["township"])
    client.force_login(user)
    return user


def _post(client, capture, content, name="花名册.xlsx"):
    with capture(execute=True) as callbacks:
        response = client.post("/t/alpha/roster/", {"file": _upload(content, name)})
    return response, callbacks


def _state(township, in_township):
    with in_township(township):
        return {
            "members": Member.objects.count(),
            "imports": RosterImport.objects.count(),
            "member_events": AuditEvent.objects.filter(action__startswith="member.").count(),
        }


# --- the import job -------------------------------------------------------------------------------
def test_one_bad_row_rejects_the_whole_roster(
    alpha, office, client, in_township, django_capture_on_commit_callbacks
):
    before = _state(alpha["township"], in_township)
    rows = [list(GOOD_ROWS[0]), list(GOOD_ROWS[1]), list(GOOD_ROWS[2])]
    rows[2][3] = _bad_check_digit(ID_C)
    response, callbacks = _post(client, django_capture_on_commit_callbacks, _workbook(rows))

    with in_township(alpha["township"]):
        roster = RosterImport.objects.get()
        assert Member.objects.count() == before["members"]
        assert not AuditEvent.objects.filter(action__startswith="member.").exists()
        assert list(AuditEvent.objects.filter(object_id=str(roster.pk)).order_by("id").values_list(
            "action", flat=True)) == ["roster_import.upload", "roster_import.fail"]
    assert response.status_code == 302
    assert response["Location"] == f"/t/alpha/roster/{roster.pk}/"
    # The import task, then the delivery of "roster import failed" to the uploader.
    assert len(callbacks) == 2
    assert Notification.objects.filter(event="roster.import_failed", township=alpha["township"]).count() == 1
    assert roster.status == RosterImport.Status.FAILED
    assert roster.errors == [{"row": 4, "field": "身份证号", "message": "居民身份证号码校验位错误，请核对号码。"}]
    assert (roster.total_rows, roster.processed_rows, roster.created_count) == (3, 3, 0)
    assert roster.finished_at is not None

    page = client.get(f"/t/alpha/roster/{roster.pk}/")
    html = page.content.decode()
    assert "导入未通过" in html
    assert "居民身份证号码校验位错误，请核对号码。" in html
    assert "hx-trigger" not in html
    report = client.get(f"/t/alpha/roster/{roster.pk}/errors.xlsx")
    assert _read(report) == [["行号", "列", "原因"], [4, "身份证号", "居民身份证号码校验位错误，请核对号码。"]]


def test_every_row_is_checked_and_every_problem_reported(
    alpha, office, client, in_township, django_capture_on_commit_callbacks
):
    with in_township(alpha["township"]):
        MemberFactory(id_number=ID_D, sex="F", birth_date=dt.date(1990, 6, 6), branch=alpha["first"])
    before = _state(alpha["township"], in_township)
    rows = [
        list(GOOD_ROWS[0]),
        ["", "男", "1970-03-15", ID_A, "", "1995-07-01", "正式党员", "", "农村", "三村党支部", "", "", "", "",
         ""],
        ["赵六", "女", "1990-06-06", ID_D, "", "15/06/2015", "党员", "", "农村", "一村党支部", "也许", "", "",
         "", ""],
        ["钱七", "女", "1985-11-02", ID_B, "", "2024-05-20", "预备党员", "", "农村", "一村党支部", "是", "", "",
         "", ""],
        ["孙八", "女", "1985-11-03", ID_B, "abc", "2010-01-01", "正式党员", "", "农村", "二村党支部", "", "", "",
         "", ""],
    ]
    _post(client, django_capture_on_commit_callbacks, _workbook(rows))

    with in_township(alpha["township"]):
        roster = RosterImport.objects.get()
    assert roster.status == RosterImport.Status.FAILED
    assert roster.errors == [
        {"row": 3, "field": "姓名", "message": "此项为必填项。"},
        {"row": 3, "field": "身份证号", "message": "该身份证号码与本文件第 2 行重复。"},
        {"row": 3, "field": "所在支部", "message": "本镇没有名为“三村党支部”的支部。"},
        {"row": 4, "field": "身份证号", "message": "本镇已有使用该身份证号码的党员。"},
        {"row": 4, "field": "入党日期", "message": "日期格式应为 YYYY-MM-DD 或 YYYY/MM/DD。"},
        {"row": 4, "field": "党员类型", "message": "请填写以下之一：正式党员/预备党员。"},
        {"row": 4, "field": "是否外出务工", "message": "请填写以下之一：是/否。"},
        {"row": 5, "field": "预备期满日期", "message": "预备党员须填写预备期满日期。"},
        {"row": 5, "field": "务工地点", "message": "请填写外出务工党员的务工地点。"},
        {"row": 6, "field": "出生日期", "message": "出生日期与身份证号码不符。"},
        {"row": 6, "field": "身份证号", "message": "该身份证号码与本文件第 5 行重复。"},
        {"row": 6, "field": "联系电话", "message": "请输入有效的电话号码。"},
    ]
    assert _state(alpha["township"], in_township) == {**before, "imports": before["imports"] + 1}


def test_good_roster_creates_exactly_those_members_once(
    alpha, office, client, in_township, settings, django_capture_on_commit_callbacks
):
    _post(client, django_capture_on_commit_callbacks, _workbook(GOOD_ROWS))

    with in_township(alpha["township"]):
        roster = RosterImport.objects.get()
        assert roster.status == RosterImport.Status.SUCCEEDED
        assert (roster.total_rows, roster.processed_rows, roster.created_count, roster.errors) == (3, 3, 3, [])
        assert roster.original_name == "花名册.xlsx"
        # Stored per township under a generated name.
        assert (settings.MEDIA_ROOT / "t_alpha" / roster.file.name).is_file()
        assert roster.file.name.startswith("roster-imports/")
        assert "花名册" not in roster.file.name
        members = {
            m["id_number"]: m for m in Member.objects.values(
                "name", "sex", "birth_date", "id_number", "phone", "joined_on", "kind", "probation_ends_on",
                "category", "branch_id", "is_migrant", "migrant_location", "is_special_occupation",
                "special_occupation", "is_elderly", "status",
            )
        }
        actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
        assert actions == ["roster_import.upload", "member.create", "member.create", "member.create",
                           "roster_import.succeed"]
        assert set(AuditEvent.objects.values_list("actor_id", flat=True)) == {office.pk}

        # The broker may deliver twice: a finished import is left as it is.
        assert roster_import_run.delay(roster.pk).get() == "succeeded"
        assert roster_import_process(import_id=roster.pk).status == "succeeded"
        assert Member.objects.count() == 3
        assert AuditEvent.objects.count() == 5
    common = {"status": "active"}
    assert members == {
        ID_A: {"name": "张三", "sex": "M", "birth_date": dt.date(1970, 3, 15), "id_number": ID_A,
               "phone": "13800000001", "joined_on": dt.date(1995, 7, 1), "kind": "full", "probation_ends_on": None,
               "category": "rural", "branch_id": alpha["first"].pk, "is_migrant": False, "migrant_location": "",
               "is_special_occupation": False, "special_occupation": "", "is_elderly": False, **common},
        ID_B: {"name": "李梅", "sex": "F", "birth_date": dt.date(1985, 11, 2), "id_number": ID_B,
               "phone": "13800000002", "joined_on": dt.date(2024, 5, 20), "kind": "probationary",
               "probation_ends_on": dt.date(2025, 5, 20), "category": "enterprise",
               "branch_id": alpha["second"].pk, "is_migrant": True, "migrant_location": "广东省深圳市",
               "is_special_occupation": False, "special_occupation": "", "is_elderly": False, **common},
        ID_C: {"name": "王五", "sex": "M", "birth_date": dt.date(1950, 1, 31), "id_number": ID_C, "phone": "",
               "joined_on": dt.date(1975, 10, 1), "kind": "full", "probation_ends_on": None,
               "category": "retired", "branch_id": alpha["first"].pk, "is_migrant": False, "migrant_location": "",
               "is_special_occupation": True, "special_occupation": "远洋船员", "is_elderly": True, **common},
    }

    page = client.get(f"/t/alpha/roster/{roster.pk}/").content.decode()
    assert "已导入党员：3 名。" in page
    assert 'href="/t/alpha/members/"' in page


def test_a_member_added_while_checking_rolls_back_every_row(alpha, office, in_township, township_a, monkeypatch):
    """The write phase goes through member_create; one clash there rolls the whole import back."""
    from tenants.organisation import roster as roster_module

    with in_township(township_a):
        created = roster_module.roster_import_create(actor=office, access=None, upload=_upload(_workbook(GOOD_ROWS)))
        validate = roster_module._validate

        def validate_then_clash(roster):
            result = validate(roster)
            MemberFactory(id_number=ID_C, sex="M", birth_date=dt.date(1950, 1, 31), branch=alpha["first"])
            return result

        monkeypatch.setattr(roster_module, "_validate", validate_then_clash)
        roster = roster_import_process(import_id=created.pk)
        assert roster.status == RosterImport.Status.FAILED
        assert roster.errors == [{"row": 4, "field": "身份证号", "message": "本镇已有使用该身份证号码的党员。"}]
        assert list(Member.objects.values_list("id_number", flat=True)) == [ID_C]
        assert not AuditEvent.objects.filter(action="member.create").exists()


def test_the_template_round_trips(alpha, office, client, in_township, django_capture_on_commit_callbacks):
    response = client.get("/t/alpha/roster/template.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert workbook.sheetnames == ["党员名册", "填写说明"]
    sheet.append(GOOD_ROWS[0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    _post(client, django_capture_on_commit_callbacks, buffer.getvalue())
    with in_township(alpha["township"]):
        assert RosterImport.objects.get().status == RosterImport.Status.SUCCEEDED
        assert list(Member.objects.values_list("name", flat=True)) == ["张三"]


# --- the upload form ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "limits", "message"),
    [
        ("roster.csv", b"a,b\n", {}, "请上传 Excel 工作簿（.xlsx 文件）。"),
        ("roster.xlsx", b"not a zip", {}, "请上传 Excel 工作簿（.xlsx 文件）。"),
        ("roster.xlsx", "big", {"ROSTER_IMPORT_MAX_BYTES": 1024}, "文件大小超过 1.0\xa0KB。"),
        ("roster.xlsx", "rows", {"ROSTER_IMPORT_MAX_ROWS": 2}, "文件中的党员数据超过 2 行，请拆分后分批导入。"),
        ("roster.xlsx", "empty", {}, "文件中表头下方没有党员数据。"),
        ("roster.xlsx", "headers", {}, "表头缺少以下列：身份证号、所在支部。请使用导入模板。"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_saved(
    alpha, office, client, in_township, settings, django_capture_on_commit_callbacks, name, content, limits, message,
):
    for key, value in limits.items():
        setattr(settings, key, value)
    if content in ("big", "rows"):
        content = _workbook(GOOD_ROWS)
    elif content == "empty":
        content = _workbook([])
    elif content == "headers":
        content = _workbook([GOOD_ROWS[0]], headers=[h for h in HEADERS if h not in ("身份证号", "所在支部")])
    before = _state(alpha["township"], in_township)
    with in_township(alpha["township"]):
        events_before = AuditEvent.objects.count()
    response, callbacks = _post(client, django_capture_on_commit_callbacks, content, name)
    assert response.status_code == 200
    assert response.context["form"].errors.get_json_data() == {"file": [{"message": message, "code": ""}]}
    assert message in response.content.decode()
    assert callbacks == []
    assert _state(alpha["township"], in_township) == before
    with in_township(alpha["township"]):
        assert AuditEvent.objects.count() == events_before
    assert list((settings.MEDIA_ROOT).rglob("*.xlsx")) == []


# --- access -------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["clerk", "supervision_office", "branch_secretary", "member"])
def test_only_the_township_office_imports(alpha, make_user, client, in_township, role,
                                          django_capture_on_commit_callbacks):
    scope = {"clerk": {"village_ids": [alpha["village"].pk]}, "branch_secretary": {"branch_id": alpha["first"].pk}}
    if role == "member":
        with in_township(alpha["township"]):
            scope["member"] = {"member_id": MemberFactory(branch=alpha["first"]).pk}
    client.force_login(make_user(role, alpha["township"], **scope.get(role, {})))
    before = _state(alpha["township"], in_township)
    response, callbacks = _post(client, django_capture_on_commit_callbacks, _workbook(GOOD_ROWS))
    assert response.status_code == 403
    assert callbacks == []
    assert _state(alpha["township"], in_township) == before
    assert client.get("/t/alpha/roster/").status_code == 403
    assert client.get("/t/alpha/roster/template.xlsx").status_code == 403


def test_another_townships_office_cannot_see_imports(
    alpha, office, client, make_user, township_b, in_township, django_capture_on_commit_callbacks
):
    _post(client, django_capture_on_commit_callbacks, _workbook(GOOD_ROWS))
    with in_township(alpha["township"]):
        roster = RosterImport.objects.get()
    with in_township(township_b):
        assert not RosterImport.objects.filter(pk=roster.pk).exists()
    client.force_login(make_user("township_office", township_b))
    assert client.get(f"/t/alpha/roster/{roster.pk}/").status_code == 403
    assert client.get(f"/t/alpha/roster/{roster.pk}/errors.xlsx").status_code == 403
    assert client.get(f"/t/beta/roster/{roster.pk}/").status_code == 404
    listing = client.get("/t/beta/roster/")
    assert listing.status_code == 200
    assert list(listing.context["imports"]) == []
    assert "花名册.xlsx" not in listing.content.decode()


# --- the progress page --------------------------------------------------------------------------
def test_progress_partial_polls_while_running(alpha, office, client, in_township):
    with in_township(alpha["township"]):
        roster = RosterImport.objects.create(
            file="roster-imports/x.xlsx", original_name="x.xlsx", status=RosterImport.Status.VALIDATING,
            total_rows=400, processed_rows=100,
        )
    response = client.get(f"/t/alpha/roster/{roster.pk}/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="roster-progress"')
    assert f'hx-get="/t/alpha/roster/{roster.pk}/" hx-trigger="every 1s"' in html
    assert '<progress max="400" value="100"' in html
    assert "已检查 100 / 400 行" in html
    assert "<html" not in html
    full = client.get(f"/t/alpha/roster/{roster.pk}/").content.decode()
    assert "<html" in full
    assert 'hx-trigger="every 1s"' in full
    listing = client.get("/t/alpha/roster/").content.decode()
    assert f'href="/t/alpha/roster/{roster.pk}/"' in listing
    assert "正在校验" in listing
    assert client.get(f"/t/alpha/roster/{roster.pk}/errors.xlsx").status_code == 404


# --- exports ------------------------------------------------------------------------------------
@pytest.fixture
def population(alpha, in_township):
    with in_township(alpha["township"]):
        other_branch = BranchFactory(name="三村党支部", village=VillageFactory(name="三村", code="A03"))
        people = {
            "a": MemberFactory(name="甲", sex="M", birth_date=dt.date(1980, 1, 1), branch=alpha["first"],
                               kind="probationary", probation_ends_on=dt.date(2026, 1, 1)),
            "b": MemberFactory(name="乙", sex="F", birth_date=dt.date(1981, 2, 2), branch=alpha["first"]),
            "c": MemberFactory(name="丙", sex="M", birth_date=dt.date(1982, 3, 3), branch=alpha["second"],
                               kind="probationary", probation_ends_on=dt.date(2026, 2, 2), is_migrant=True,
                               migrant_location="浙江"),
            "d": MemberFactory(name="丁", sex="F", birth_date=dt.date(1983, 4, 4), branch=other_branch,
                               kind="probationary", probation_ends_on=dt.date(2026, 3, 3)),
        }
    return people


def _member_row(m, id_text):
    return [m.name, "男" if m.sex == "M" else "女", dt.datetime.combine(m.birth_date, dt.time()), id_text,
            m.phone, dt.datetime.combine(m.joined_on, dt.time()), "预备党员" if m.kind == "probationary" else "正式党员",
            dt.datetime.combine(m.probation_ends_on, dt.time()) if m.probation_ends_on else None, "农村",
            m.branch.name, "是" if m.is_migrant else "否", m.migrant_location or None, "否", None, "否", "在册"]


def test_member_export_honours_filters_scope_and_masks_ids(alpha, population, make_user, client):
    clerk = make_user("clerk", alpha["township"], village_ids=[alpha["village"].pk, alpha["second"].village_id])
    client.force_login(clerk)
    rows = _read(client.get("/t/alpha/roster/export/members.xlsx?kind=probationary"))
    assert rows[0] == [c.header() for c in COLUMNS] + ["状态"] == HEADERS + ["状态"]
    a, c = population["a"], population["c"]
    # 丁 is probationary too, but in a village the clerk does not serve.
    assert rows[1:] == [_member_row(a, a.id_number[:3] + "*" * 11 + a.id_number[-4:]),
                        _member_row(c, c.id_number[:3] + "*" * 11 + c.id_number[-4:])]


def test_member_export_shows_ids_to_the_office(alpha, population, office, client):
    rows = _read(client.get("/t/alpha/roster/export/members.xlsx?q=甲"))
    a = population["a"]
    assert rows[1:] == [_member_row(a, a.id_number)]
    everyone = _read(client.get("/t/alpha/roster/export/members.xlsx"))
    assert sorted(r[0] for r in everyone[1:]) == sorted(["甲", "乙", "丙", "丁"])


def test_member_export_queries_do_not_grow_with_members(
    alpha, population, office, client, in_township, django_assert_max_num_queries
):
    with in_township(alpha["township"]):
        for _ in range(60):
            MemberFactory(branch=alpha["second"])
    with django_assert_max_num_queries(12):
        rows = _read(client.get("/t/alpha/roster/export/members.xlsx"))
    assert len(rows) == 1 + 64


def test_village_and_branch_exports(alpha, population, make_user, client):
    client.force_login(make_user("clerk", alpha["township"], village_ids=[alpha["village"].pk]))
    assert _read(client.get("/t/alpha/roster/export/villages.xlsx")) == [
        ["名称", "代码", "支部数", "在册党员数"], ["一村", "A01", 1, 2],
    ]
    assert _read(client.get("/t/alpha/roster/export/branches.xlsx")) == [
        ["名称", "类型", "上级支部", "所在村", "在册党员数"], ["一村党支部", "村党支部", None, "一村", 2],
    ]


def test_exports_refuse_members_and_other_townships(alpha, population, make_user, client, township_b):
    client.force_login(make_user("member", alpha["township"], member_id=population["a"].pk))
    for path in ("members", "villages", "branches"):
        assert client.get(f"/t/alpha/roster/export/{path}.xlsx").status_code == 403
    client.force_login(make_user("township_office", township_b))
    for path in ("members", "villages", "branches"):
        assert client.get(f"/t/alpha/roster/export/{path}.xlsx").status_code == 403
    rows = _read(client.get("/t/beta/roster/export/members.xlsx"))
    assert rows[1:] == []
