"""Form pieces shared by every app."""
from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """A native date picker. The browser shows a value only in ISO form (2026-12-03); Django's
    localised format (2026/12/03 in Chinese) would leave the picker empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
