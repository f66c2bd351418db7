"""Every page names the product's icon, and /favicon.ico (asked for by browsers on pages that name
none, such as the API's JSON) leads to it instead of answering 404 (a console error on every page)."""


def test_favicon_leads_to_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/common/icon.svg")


def test_pages_name_the_icon(client, db):
    response = client.get("/accounts/login/")
    assert b'rel="icon"' in response.content
    assert b"common/icon.svg" in response.content
