"""Each demo role's main task, end to end in the browser, on a phone and on a desktop.

The chain runs as people work it: the clerk records points with a photo on 1 December, the branch
secretary, the work team and the liaison leader approve them in turn, the member finds them on
the points card and objects to the open quarterly notice, the township office answers the
objection and closes November, and the county reads its dashboard. (The demo county was loaded
on 28 November, so November is still open and the third quarter's notice takes objections.)
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.files import photo_bytes

pytestmark = pytest.mark.e2e

T = "/t/qingshi"


def _record_points(ui, note: str) -> str:
    """As the clerk: record 2 points of volunteering for 张华 with a photo; returns the entry's path."""
    ui.login("clerk1")
    page = ui.page
    # The clerk's home leads with the big "record points" button.
    ui.submit(page.locator("a.button.primary.big", has_text="录入积分"))
    page.locator("#id_member_q").fill("张华")
    expect(page.locator("#id_member")).not_to_have_value("")
    page.locator("#id_rule").select_option("XF02")
    expect(page.locator("#id_occurred_on")).not_to_have_value("")  # today, shown by the picker
    page.locator("#id_points").fill("2")
    page.locator("#id_note").fill(note)
    page.locator("#id_evidence").set_input_files(
        files=[{"name": "volunteering.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(7, size=(640, 480))}])
    ui.submit(page.locator("#entry-form button.primary"))
    match = re.search(r"/scoring/entries/(\d+)/$", page.url)
    assert match, f"the entry was not saved: {page.url}\n{page.locator('main').inner_text()}"
    expect(page.locator("main")).to_contain_text(note)
    # The photo is there and opens.
    expect(page.locator("main img")).to_have_count(1)
    return f"{T}/scoring/entries/{match.group(1)}/"


def _approve(new_ui, username: str, entry_path: str, level_text: str) -> None:
    ui = new_ui()
    ui.login(username)
    ui.goto(f"{T}/scoring/reviews/")
    link = ui.page.locator(f"main a[href='{entry_path}']")
    expect(link).to_have_count(1)
    ui.submit(link)
    expect(ui.page.locator("main h2").filter(has_text=level_text)).to_have_count(1)
    ui.page.locator("input[name=decision][value=approve]").check()
    ui.submit(ui.page.get_by_role("button", name="提交审核意见"))


def test_points_from_the_clerks_phone_to_the_closed_month(new_ui):
    note = f"志愿服务 e2e {uuid.uuid4().hex[:6]}"

    clerk = new_ui()
    entry_path = _record_points(clerk, note)

    _approve(new_ui, "secretary1", entry_path, "支部自评")
    _approve(new_ui, "workteam1", entry_path, "工作队")
    _approve(new_ui, "liaison1", entry_path, "联系领导")

    # The clerk sees the entry posted.
    clerk.goto(entry_path)
    expect(clerk.page.locator("main")).to_contain_text("已入账")

    # The member finds it on the points card, then objects to the open quarterly notice.
    member = new_ui()
    member.login("member1")
    member.submit(member.page.locator("a.button.primary.big", has_text="我的积分卡"))
    row = member.page.locator("main tr").filter(has_text="XF02").filter(has=member.page.locator(
        f"a[href='{entry_path}']"))
    expect(row).to_have_count(1)
    member.goto(f"{T}/scoring/periods/publications/")
    member.submit(member.page.locator("main a", has_text="2026 Q3").first)
    reason = f"第三季度公示分数与我的记录不符 {note}"
    member.page.locator("#id_reason").fill(reason)
    member.submit(member.page.get_by_role("button", name="提交异议"))
    expect(member.page.locator("main")).to_contain_text(reason)

    # The office answers the objection and closes November.
    office = new_ui()
    office.login("office1")
    office.goto(f"{T}/scoring/periods/publications/")
    office.submit(office.page.locator("main a", has_text="2026 Q3").first)
    objection = office.page.locator("main tr").filter(has_text=reason)
    office.submit(objection.get_by_role("link", name="答复"))
    office.page.locator("input[name=uphold][value='0']").check()
    office.page.locator("#id_answer").fill("经核对，公示分数与台账一致。")
    office.submit(office.page.locator("main form button.primary"))
    expect(office.page.locator("main")).to_contain_text("经核对，公示分数与台账一致。")

    office.goto(f"{T}/scoring/periods/")
    close = office.page.locator("form", has=office.page.get_by_role("button", name="结账并封存"))
    close.locator("input[name=year]").fill("2026")
    close.locator("input[name=month]").fill("11")
    office.page.once("dialog", lambda dialog: dialog.accept())
    office.submit(close.get_by_role("button", name="结账并封存"))
    assert office.page.url.endswith(f"{T}/scoring/periods/months/2026/11/"), office.page.url
    expect(office.page.locator("main h1")).to_contain_text("2026")


def test_the_county_reads_its_dashboard(ui):
    ui.login("county")
    expect(ui.page.locator("main")).to_contain_text("青石镇")
    ui.menu("积分总览")
    expect(ui.page.locator("main table").last).to_contain_text("青石镇")
    # Chart.js drew every chart (it sizes the canvas when it renders).
    canvases = ui.page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(3)
    for i in range(3):
        box = canvases.nth(i).bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 100
    ui.check()
