"""Urgent events (a password reset): sent at once on the event's own channels where the person has
an address, whatever the digest, quiet hours or in-app choices; the secret is made at delivery."""
import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.db import transaction

from notifications import services
from notifications.forms import PreferenceForm
from notifications.models import Delivery, Notification
from notifications.selectors import preference_get

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _reset(user, capture):
    with capture(execute=True), transaction.atomic():
        services.notify(event="account.password_reset", recipients=[user],
                        context={"username": user.username, "base_url": "https://dj.example.org"})


def test_digest_quiet_hours_and_in_app_choices_do_not_delay_or_leak_a_reset(
    person, set_clock, django_capture_on_commit_callbacks
):
    user = person(None)
    services.preference_update(actor=user, user=user, quiet_hours=True, quiet_start=dt.time(22),
                               quiet_end=dt.time(7), daily_digest=True,
                               channels={"account.password_reset": ["in_app", "email", "sms"]})
    set_clock(dt.datetime(2026, 11, 20, 23, 30, tzinfo=SHANGHAI))
    _reset(user, django_capture_on_commit_callbacks)
    assert sorted(Delivery.objects.values_list("channel", "state")) == [("email", "sent"), ("sms", "sent")]
    assert mail.outbox[0].subject == "重置密码"
    assert "https://dj.example.org/accounts/password/reset/" in mail.outbox[0].body
    assert "link" not in Notification.objects.get().context


def test_a_reset_goes_only_where_the_person_has_an_address(person, django_capture_on_commit_callbacks):
    no_phone = person(None, phone="")
    _reset(no_phone, django_capture_on_commit_callbacks)
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["email"]
    Delivery.objects.all().delete()
    nothing = person(None, phone="", email="")
    _reset(nothing, django_capture_on_commit_callbacks)
    assert not Delivery.objects.exists()


def test_a_person_who_turned_sms_off_gets_the_email_only(person, django_capture_on_commit_callbacks):
    user = person(None)
    services.preference_update(actor=user, user=user, quiet_hours=False, quiet_start=dt.time(22),
                               quiet_end=dt.time(7), daily_digest=False,
                               channels={"account.password_reset": ["email"]})
    _reset(user, django_capture_on_commit_callbacks)
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["email"]


def test_the_preferences_page_offers_no_in_app_choice_for_a_reset(person):
    form = PreferenceForm(preference=preference_get(user=person(None)))
    choices = [value for value, _label in form.fields["event__account__password_reset"].choices]
    assert choices == ["email", "sms"]
    assert [v for v, _l in form.fields["event__account__created"].choices] == ["in_app", "email", "sms"]
