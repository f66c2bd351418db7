"""Irreversible actions ask first: their forms carry `data-confirm` (app.js asks before submitting),
with a message in the reader's language; no inline script is needed for it."""
from __future__ import annotations

import re

import pytest
from django.db import connection

from accounts.models import Role

pytestmark = pytest.mark.django_db


def _form_confirm(html: str, action: str) -> str:
    """The data-confirm text of the form posting to `action` ("" when it has none)."""
    match = re.search(r'<form[^>]*action="' + re.escape(action) + r'"[^>]*>', html)
    assert match, f"no form posting to {action}"
    confirm = re.search(r'data-confirm="([^"]*)"', match.group(0))
    return confirm.group(1) if confirm else ""


def _get(client, path):
    try:
        return client.get(path).content.decode()
    finally:
        connection.set_schema_to_public()


def test_month_close_publication_rating_and_base_scores_ask_first(client, make_user, township_a, scoring_setup):
    setup = scoring_setup(township_a)
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    home = _get(client, "/t/alpha/scoring/periods/")
    assert "封存后本月积分不能再更改" in _form_confirm(home, "/t/alpha/scoring/periods/months/close/")
    assert "公示不能撤回" in _form_confirm(home, "/t/alpha/scoring/periods/publications/open/")
    # The rating's run form shows only once the year can be rated (tests/scoring/test_rating_final.py
    # builds such a year); its template carries the confirmation.
    from pathlib import Path

    import scoring.periods

    template = (Path(scoring.periods.__file__).parent / "templates/periods/rating_list.html").read_text()
    run_form = re.search(r"<form[^>]*rating_run[^>]*>", template).group(0)
    assert "data-confirm" in run_form
    finalise = re.search(r"<button[^>]*>\{% translate \"Finalise the rating\" %\}", template).group(0)
    assert "data-confirm" in finalise
    year = setup.year.year
    catalogue = _get(client, f"/t/alpha/scoring/catalogue/{year}/")
    assert "基础分" in _form_confirm(catalogue, f"/t/alpha/scoring/catalogue/{year}/base-scores/")


def test_county_template_publish_and_item_delete_ask_first(client, make_user):
    from scoring.county.services import template_catalogue_create, template_item_create

    template = template_catalogue_create(actor=None, year=2031, title="2031年度目录")
    item = template_item_create(actor=None, catalogue=template, code="B01", name="参加主题党日", category="basic",
                                points_min="1", points_max="5")
    client.force_login(make_user(Role.COUNTY_ADMIN))
    client.cookies["django_language"] = "en"
    html = _get(client, f"/scoring/templates/{template.pk}/")
    assert "can no longer be edited" in _form_confirm(html, f"/scoring/templates/{template.pk}/publish/")
    assert _form_confirm(html, f"/scoring/templates/{template.pk}/items/{item.pk}/delete/") == (
        "Delete this item from the draft catalogue?")
