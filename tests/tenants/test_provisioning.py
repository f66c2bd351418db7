import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from audit.models import AuditEvent
from tenants.townships.models import Township
from tenants.townships.services import township_create, township_provision

pytestmark = pytest.mark.django_db(transaction=False)


def test_provisioning_creates_schema_and_routes(client, make_user, django_capture_on_commit_callbacks):
    admin = make_user("county_admin")
    with django_capture_on_commit_callbacks(execute=True):
        township = township_create(actor=admin, name="甘棠镇", code="gantang")
    township.refresh_from_db()
    assert township.status == Township.Status.READY
    assert schema_exists("t_gantang")
    assert list(AuditEvent.objects.filter(object_id=str(township.pk)).values_list("action", flat=True).order_by("id")) == [
        "township.create", "township.ready",
    ]
    client.force_login(admin)
    assert client.get("/t/gantang/").status_code == 200


def test_failed_provisioning_is_marked_not_half_ready(monkeypatch, make_user, client, settings, tmp_path):
    """Django's migrate path (no current schema script) crashing half-way; the script path's own
    failure is in test_schema_script."""
    settings.TOWNSHIP_SCHEMA_SCRIPT = str(tmp_path / "no-script.sql")
    admin = make_user("county_admin")
    township = township_create(actor=admin, name="坏镇", code="broken")

    def explode(self, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{self.schema_name}"')
        raise RuntimeError("migration crashed")

    monkeypatch.setattr(Township, "create_schema", explode)
    with pytest.raises(RuntimeError, match="migration crashed"):
        township_provision(township_id=township.pk)
    township.refresh_from_db()
    assert township.status == Township.Status.FAILED
    assert "migration crashed" in township.failure_reason
    assert not schema_exists("t_broken")
    client.force_login(admin)
    assert client.get("/t/broken/").status_code == 404


def test_provisioning_twice_is_a_no_op(make_user, django_capture_on_commit_callbacks):
    admin = make_user("county_admin")
    with django_capture_on_commit_callbacks(execute=True):
        township = township_create(actor=admin, name="双镇", code="twice")
    again = township_provision(township_id=township.pk)
    assert again.status == Township.Status.READY
    assert AuditEvent.objects.filter(object_id=str(township.pk), action="township.ready").count() == 1
