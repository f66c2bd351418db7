"""Issue 11 end to end in the browser: a clerk files a branch meeting from a phone with its sign-in
photo and attendance, the proposed points pass the three reviews, and the member's card links the
points to the meeting."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.test_main_tasks import T, _approve
from tests.files import photo_bytes

pytestmark = pytest.mark.e2e


def test_a_meeting_filed_from_the_phone_earns_its_attendees_points(new_ui):
    topic = f"学习党的创新理论 e2e {uuid.uuid4().hex[:6]}"
    clerk = new_ui()
    clerk.login("clerk1")
    clerk.goto(f"{T}/meetings/new/")
    page = clerk.page
    page.locator("select[name=branch]").select_option(label="西岭村党支部")  # 张华's (member1) branch
    page.locator("select[name=kind]").select_option("theme_day")
    expect(page.locator("input[name=held_on]")).not_to_have_value("")
    page.locator("input[name=place]").fill("村党群服务中心")
    page.locator("input[name=topic]").fill(topic)
    page.locator("input[name=host]").fill("刘长海")
    page.locator("textarea[name=minutes]").fill("集中学习，交流发言。")
    page.locator("input[name=photos]").set_input_files(
        files=[{"name": "meeting.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(11, size=(640, 480))}])
    page.locator("input[name=sign_in]").set_input_files(
        files=[{"name": "sign-in.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(12, size=(480, 640))}])
    clerk.submit(page.get_by_role("button", name="保存草稿"))
    match = re.search(r"/meetings/(\d+)/$", page.url)
    assert match, page.locator("main").inner_text()
    # The attendance of every member of the branch (present unless changed), saved, then the
    # record filed (the page asks for confirmation).
    clerk.submit(page.get_by_role("button", name="保存草稿"))
    page.once("dialog", lambda dialog: dialog.accept())
    clerk.submit(page.get_by_role("button", name="归档"))
    expect(page.locator("main")).to_contain_text(topic)

    # The record lists the entries it proposed; 张华's goes through the three reviews like any entry.
    proposed = page.locator("main tr", has_text="张华").locator("a[href*='/scoring/entries/']")
    assert proposed.count() == 1, page.locator("main").inner_text()
    entry_path = proposed.get_attribute("href")
    assert entry_path
    for username, level in (("secretary1", "支部自评"), ("workteam1", "工作队"), ("liaison1", "联系领导")):
        _approve(new_ui, username, entry_path, level)

    member = new_ui()
    member.login("member1")
    member.goto(f"{T}/scoring/card/")
    # The member's card names the meeting the points came from (members do not open branch records).
    row = member.page.locator("main tr", has_text="JB03").filter(has_text=f"#{match.group(1)}")
    expect(row).to_have_count(1)
