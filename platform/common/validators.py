"""Validators that apply to every text the product stores."""
from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

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
