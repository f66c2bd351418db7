"""Validators that apply to every text the product stores."""
from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common import clock

CONTROL_CHARACTERS = _("This text contains invisible control characters (such as U+0001); remove them.")
# C0 and C1 control characters except tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def no_control_characters(value) -> None:
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValidationError(CONTROL_CHARACTERS, code="control_characters")


def control_character_errors(instance: models.Model) -> dict[str, list]:
    """Per-field errors for every text field of `instance` holding a control character."""
    errors = {}
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField):
            try:
                no_control_characters(getattr(instance, field.attname))
            except ValidationError as exc:
                errors[field.name] = exc.messages
    return errors


# Dates: every date the product stores lies in a plausible range; dates of things that have
# happened (birth, joining, transfers) are not in the future.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_YEARS_AHEAD = 10
DATE_OUT_OF_RANGE = _("Enter a date between %(earliest)s and %(latest)s.")
DATE_IN_FUTURE = _("This date is in the future; enter the day it happened.")


def latest_plausible_date() -> dt.date:
    today = clock.today()
    return today.replace(year=today.year + LATEST_YEARS_AHEAD, day=min(today.day, 28))


def plausible_date(value) -> None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date) and not EARLIEST_DATE <= value <= latest_plausible_date():
        raise ValidationError(DATE_OUT_OF_RANGE, code="date_out_of_range",
                              params={"earliest": EARLIEST_DATE.isoformat(),
                                      "latest": latest_plausible_date().isoformat()})


def not_in_future(value) -> None:
    """For dates of events that have happened (the township's today is the latest)."""
    if isinstance(value, dt.date) and value > clock.today():
        raise ValidationError(DATE_IN_FUTURE, code="date_in_future")


def date_range_errors(instance: models.Model) -> dict[str, list]:
    """Per-field errors for every date field of `instance` outside the plausible range."""
    errors = {}
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.DateField) and not getattr(field, "auto_now", False) \
                and not getattr(field, "auto_now_add", False):
            try:
                plausible_date(getattr(instance, field.attname))
            except ValidationError as exc:
                errors[field.name] = exc.messages
    return errors
