"""The transactional outbox: notify() writes with the change, delivers after commit, once."""
import datetime as dt

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import User
from common.errors import DomainError
from config.celery import app as celery_app
from notifications import services
from notifications.models import Delivery, Notification
from notifications.tasks import deliver
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _rows():
    return sorted(
        Delivery.objects.values_list("recipient__username", "channel", "state")
    )


def test_a_change_that_rolls_back_leaves_no_notification(township_a, person):
    office = person("township_office", township_a)

    @transaction.atomic
    def change():
        UserFactory(username="made-in-the-change")
        services.notify(event="roster.import_finished", recipients=[office], township=township_a,
                        context={"file_name": "名册.xlsx", "created_count": 12})
        raise RuntimeError("import crashed")

    with pytest.raises(RuntimeError, match="import crashed"):
        change()
    assert not User.objects.filter(username="made-in-the-change").exists()
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert len(mail.outbox) == 0


def test_a_committed_change_leaves_one_delivery_per_recipient_and_channel(
    township_a, person, django_capture_on_commit_callbacks
):
    zh = person("township_office", township_a, username="office-zh")
    en = person("supervision_office", township_a, username="clerk-en", language="en")
    services.preference_update(actor=en, user=en, channels={"roster.import_finished": ["in_app"]},
                               quiet_hours=True, quiet_start=dt.time(22), quiet_end=dt.time(7), daily_digest=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        notification = services.notify(
            event="roster.import_finished", recipients=[zh, en, zh], township=township_a,
            context={"file_name": "名册.xlsx", "created_count": 12},
        )
    assert len(callbacks) == 1
    assert Notification.objects.count() == 1
    assert notification.township == township_a
    assert notification.context == {"file_name": "名册.xlsx", "created_count": 12}
    assert _rows() == [("clerk-en", "in_app", "sent"), ("office-zh", "email", "sent"), ("office-zh", "in_app", "sent")]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["office-zh@example.org"]
    assert mail.outbox[0].subject == "Alpha 镇：花名册导入完成"
    assert mail.outbox[0].body == "花名册“名册.xlsx”已导入，新增党员 12 名。"


def test_the_email_follows_the_recipients_language(township_a, person, django_capture_on_commit_callbacks):
    en = person("township_office", township_a, language="en")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.notify(event="roster.import_failed", recipients=[en], township=township_a,
                        context={"file_name": "roster.xlsx", "error_count": 3})
    assert [m.subject for m in mail.outbox] == ["Alpha 镇: roster import rejected"]
    assert mail.outbox[0].body.startswith('The roster "roster.xlsx" has 3 errors; no member was imported.')


def test_a_delivery_task_run_twice_sends_once(township_a, person, django_capture_on_commit_callbacks):
    office = person("township_office", township_a)
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        services.notify(event="roster.import_finished", recipients=[office], township=township_a,
                        context={"file_name": "a.xlsx", "created_count": 1})
    email = Delivery.objects.get(channel="email")
    assert email.state == "pending"
    deliver.apply(args=(email.pk,))
    deliver.apply(args=(email.pk,))
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


def test_a_batch_task_run_twice_sends_once_and_marks_in_app_rows_together(
    township_a, person, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.tasks import deliver_batch

    people = [person("township_office", township_a, username=f"office-{i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        services.notify(event="roster.import_finished", recipients=people[:1], township=township_a,
                        context={"file_name": "a.xlsx", "created_count": 1})
        services.notify(event="roster.import_finished", recipients=people, township=township_a,
                        context={"file_name": "b.xlsx", "created_count": 2})
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    in_app = list(Delivery.objects.filter(channel="in_app").order_by("pk").values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as one:
        assert services.deliveries_send_in_app(delivery_ids=in_app[:1]) == []
    with CaptureQueriesContext(connection) as three:
        assert services.deliveries_send_in_app(delivery_ids=in_app[1:]) == []
    assert len(one.captured_queries) == len(three.captured_queries) == 2  # the update, the others' ids
    deliver_batch.apply(args=(ids,))
    deliver_batch.apply(args=(ids,))
    assert sorted(Delivery.objects.values_list("recipient__username", "channel", "state", "attempts")) == [
        ("office-0", "email", "sent", 1), ("office-0", "email", "sent", 1), ("office-0", "in_app", "sent", 1),
        ("office-0", "in_app", "sent", 1), ("office-1", "email", "sent", 1), ("office-1", "in_app", "sent", 1),
        ("office-2", "email", "sent", 1), ("office-2", "in_app", "sent", 1)]
    assert len(mail.outbox) == 4


def test_transient_errors_retry_with_a_bound_then_fail(township_a, person, settings, free_port,
                                                       django_capture_on_commit_callbacks):
    """A real SMTP connection to a closed port: refused (transient), retried MAX_ATTEMPTS times.

    Eager Celery replays retries in-process only when it does not propagate the Retry."""
    celery_app.conf.task_eager_propagates = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port, 2
    office = person("township_office", township_a)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.notify(event="roster.import_finished", recipients=[office], township=township_a,
                        context={"file_name": "a.xlsx", "created_count": 1})
    email = Delivery.objects.get(channel="email")
    assert (email.state, email.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert "ConnectionRefusedError" in email.reason
    assert Delivery.objects.get(channel="in_app").state == "sent"


def test_a_permanent_error_fails_at_once(township_a, person, django_capture_on_commit_callbacks):
    office = person("township_office", township_a, email="")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.notify(event="roster.import_finished", recipients=[office], township=township_a,
                        context={"file_name": "a.xlsx", "created_count": 1})
    email = Delivery.objects.get(channel="email")
    assert (email.state, email.attempts, email.reason) == ("failed", 1, "收件人没有电子邮箱地址。")


def test_retry_delays_grow_exponentially_and_are_bounded():
    assert [services.retry_delay(n) for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_notify_needs_a_known_event(township_a, person):
    office = person("township_office", township_a)
    with pytest.raises(DomainError):
        services.notify(event="no.such.event", recipients=[office], township=township_a, context={})
    assert Notification.objects.count() == 0


def test_inactive_recipients_are_skipped(township_a, person):
    office = person("township_office", township_a)
    gone = person("township_office", township_a)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    services.notify(event="month.closed", recipients=[office, gone], township=township_a, context={"month": "2026-10"})
    assert set(Delivery.objects.values_list("recipient_id", flat=True)) == {office.pk}


def test_digest_readers_get_one_email_a_day(township_a, person, django_capture_on_commit_callbacks):
    from notifications.tasks import send_digests

    office = person("township_office", township_a)
    services.preference_update(actor=office, user=office, channels={}, quiet_hours=True,
                               quiet_start=dt.time(22), quiet_end=dt.time(7), daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.notify(event="month.closed", recipients=[office], township=township_a, context={"month": "2026-10"})
        services.notify(event="roster.import_finished", recipients=[office], township=township_a,
                        context={"file_name": "b.xlsx", "created_count": 4})
    assert sorted(Delivery.objects.filter(channel="email").values_list("state", flat=True)) == ["digest", "digest"]
    assert len(mail.outbox) == 0
    assert send_digests.apply().get() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "每日汇总：2 条消息"
    assert "Alpha 镇：2026-10 积分已结账" in mail.outbox[0].body
    assert "Alpha 镇：花名册导入完成" in mail.outbox[0].body
    assert sorted(Delivery.objects.filter(channel="email").values_list("state", flat=True)) == ["sent", "sent"]
    assert send_digests.apply().get() == 0
    assert len(mail.outbox) == 1
