"""A task run in-process (eager, as during `seed_demo`) leaves the caller's township in place:
the township object itself, not a bare schema stand-in without its fields."""
import pytest
from django.db import connection
from django_tenants.utils import get_public_schema_name

from common.tasks import whereami
from notifications.tasks import deliver
from tenants.townships.models import Township

pytestmark = pytest.mark.django_db


def test_after_an_eager_task_in_another_schema_the_township_object_is_back(township_a, in_township):
    with in_township(township_a):
        assert whereami.apply_async().get() == {"schema": township_a.schema_name, "code": "alpha"}
        # A public-schema task sent from inside the township (as the notification outbox does).
        deliver.apply_async(args=(0,), headers={"_schema_name": get_public_schema_name()})
        assert connection.schema_name == township_a.schema_name
        assert isinstance(connection.tenant, Township)
        assert connection.tenant.code == "alpha"
