"""The OpenAPI schemas and their documentation pages."""
import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_rollups")]


@pytest.fixture
def reader(api, make_user):
    """A signed-in client: the schema and docs need a login in production."""
    return api(user=make_user(None, username="schema-reader"))


def test_county_schema_lists_the_county_endpoints(reader, township_a):
    response = reader.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/audit-events/", "/api/v1/audit-events/{id}/", "/api/v1/auth/token/", "/api/v1/me/",
        "/api/v1/townships/", "/api/v1/townships/{code}/", "/api/v1/townships/{code}/archive/",
        "/api/v1/townships/{code}/restore/",
        "/api/v1/townships/{code}/retry/",
    } <= set(paths)
    assert set(paths["/api/v1/townships/"]) == {"get", "post"}


def test_township_schema_lists_the_member_endpoints(reader, township_a):
    response = reader.get("/t/alpha/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths["/t/{code}/api/v1/members/"]) == {"get", "post"}
    assert set(paths["/t/{code}/api/v1/members/{id}/"]) == {"get", "put", "patch"}
    assert set(paths["/t/{code}/api/v1/members/{id}/transfer/"]) == {"post"}
    assert "/t/{code}/api/v1/villages/" in paths
    assert "/t/{code}/api/v1/branches/{id}/" in paths
    assert "/t/{code}/api/v1/audit-events/" in paths
    filters = {p["name"] for p in paths["/t/{code}/api/v1/members/"]["get"]["parameters"]}
    assert {"code", "q", "branch", "village", "kind", "status", "is_migrant", "page", "page_size", "ordering"} <= filters


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/t/alpha/api/v1/docs/"])
def test_docs_pages_load_swagger_from_our_static_files(reader, path):
    response = reader.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html
