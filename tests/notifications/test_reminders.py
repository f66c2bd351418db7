"""Reminders: once per kind, township, period and person; "month.closing" in township-local time."""
import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from common.tasks import TenantContextMissing
from config.celery import app as celery_app
from notifications import services
from notifications.models import Delivery, Notification, Reminder
from notifications.tasks import run_reminder
from scoring.periods import notices

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

UTC = dt.UTC


class remind_month_closing:  # noqa: N801 - stands for the beat job as the dispatcher sends it
    @staticmethod
    def apply():
        return run_reminder.apply(args=("month.closing",))


def test_month_closing_reminds_the_township_office_once_per_month_in_local_time(
    township_a, township_b, person, set_clock, in_township
):
    township_a.time_zone = "Pacific/Auckland"
    township_a.save(update_fields=["time_zone"])
    a_office = person("township_office", township_a)
    person("clerk", township_a, village_ids=[1])
    b_office = person("township_office", township_b)
    # 2026-11-26 12:00 UTC is 2026-11-27 01:00 in Auckland (3 days to the month end) and
    # 2026-11-26 20:00 in Shanghai (4 days): only alpha is due.
    set_clock(dt.datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    with in_township(township_a):
        first = remind_month_closing.apply().get()
    with in_township(township_b):
        assert remind_month_closing.apply().get() == 0
    notification = Notification.objects.get()
    assert first == 1  # notifications written
    assert (notification.event, notification.township) == ("month.closing", township_a)
    assert notification.context == {"month": "2026-11", "month_end": "2026-11-30", "days_left": 3}
    assert list(Reminder.objects.values_list("kind", "township__code", "period_key", "recipient_id")) == [
        ("month.closing", "alpha", "2026-11", a_office.pk),
    ]
    assert sorted(Delivery.objects.values_list("recipient_id", "channel", "state")) == [
        (a_office.pk, "email", "pending"), (a_office.pk, "in_app", "pending"), (a_office.pk, "sms", "held"),
    ]
    # SMS at 01:00 Auckland time waits until 07:00 Auckland time (18:00 UTC).
    assert Delivery.objects.get(channel="sms").not_before == dt.datetime(2026, 11, 26, 18, 0, tzinfo=UTC)

    # The next day's run (and a second run the same day) sends nothing new.
    set_clock(dt.datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    with in_township(township_a):
        assert remind_month_closing.apply().get() == 0
        assert remind_month_closing.apply().get() == 0
    with in_township(township_b):
        assert remind_month_closing.apply().get() != 0
    assert Reminder.objects.filter(township=township_a).count() == 1
    assert list(Reminder.objects.filter(township=township_b).values_list("recipient_id", "period_key")) == [
        (b_office.pk, "2026-11"),
    ]

    # A new month is a new period.
    set_clock(dt.datetime(2026, 12, 28, 12, 0, tzinfo=UTC))
    with in_township(township_a):
        assert remind_month_closing.apply().get() != 0
    assert sorted(Reminder.objects.filter(township=township_a).values_list("period_key", flat=True)) == ["2026-11", "2026-12"]


def test_a_new_office_member_still_gets_the_months_reminder(township_a, person, set_clock):
    set_clock(dt.datetime(2026, 11, 29, 2, 0, tzinfo=UTC))
    first = person("township_office", township_a)
    notices.remind_month_closing(township=township_a)
    second = person("township_office", township_a)
    notices.remind_month_closing(township=township_a)
    assert sorted(Reminder.objects.values_list("recipient_id", flat=True)) == sorted([first.pk, second.pk])
    assert Notification.objects.count() == 2


def test_no_reminder_early_in_the_month(township_a, person, set_clock):
    person("township_office", township_a)
    set_clock(dt.datetime(2026, 11, 10, 2, 0, tzinfo=UTC))
    assert notices.remind_month_closing(township=township_a) is None
    assert Notification.objects.count() == 0


def test_the_reminder_is_unique_per_period_and_person_in_the_database(township_a, person):
    office = person("township_office", township_a)
    with transaction.atomic():
        notification = services.notify(event="month.closing", recipients=[office], township=township_a, context={})
    Reminder.objects.create(kind="month.closing", township=township_a, period_key="2026-11", recipient=office,
                            notification=notification)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(kind="month.closing", township=township_a, period_key="2026-11", recipient=office,
                                notification=notification)


def test_the_reminder_task_refuses_to_run_in_the_public_schema():
    with pytest.raises(TenantContextMissing):
        remind_month_closing.apply().get()


def test_beat_runs_the_reminder_through_the_township_dispatcher():
    schedule = celery_app.conf.beat_schedule
    assert schedule["remind-month.closing"]["task"] == "common.dispatch_to_townships"
    assert schedule["remind-month.closing"]["args"] == ("notifications.run_reminder", "month.closing")
    assert schedule["notifications-sweep-outbox"]["task"] == "notifications.sweep_outbox"
    assert schedule["notifications-daily-digest"]["task"] == "notifications.send_digests"
