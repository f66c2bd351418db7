"""Resident ID numbers (居民身份证号码), GB 11643-1999."""
from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common import clock

ID_NUMBER_FORMAT = _("A resident ID number has 17 digits followed by a digit or X.")
ID_NUMBER_CHECK_DIGIT = _("The resident ID number's check digit is wrong; please check the number.")
ID_NUMBER_BIRTH_DATE = _("The resident ID number contains an impossible birth date.")

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CODES = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def id_number_check_digit(first17: str) -> str:
    return _CHECK_CODES[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_birth_date(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_number_sex(value: str) -> str:
    """'M' or 'F' from the order code's last digit (odd is male)."""
    return "M" if int(value[16]) % 2 else "F"


def validate_id_number(value: str) -> None:
    value = normalise_id_number(value)
    if not _PATTERN.match(value):
        raise ValidationError(ID_NUMBER_FORMAT, code="id_number_format")
    try:
        born = id_number_birth_date(value)
    except ValueError:
        raise ValidationError(ID_NUMBER_BIRTH_DATE, code="id_number_birth_date") from None
    if born.year < 1900 or born > clock.today():
        raise ValidationError(ID_NUMBER_BIRTH_DATE, code="id_number_birth_date")
    if id_number_check_digit(value[:17]) != value[17]:
        raise ValidationError(ID_NUMBER_CHECK_DIGIT, code="id_number_check_digit")


def mask_id_number(value: str) -> str:
    """Show the region's first 3 and the last 4 characters: 110***********123X."""
    if not value or len(value) < 8:
        return "*" * len(value or "")
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
