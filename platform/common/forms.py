"""Form pieces shared by every app."""
from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """A native date picker. The browser shows a value only in ISO form (2026-12-03); Django's
    localised format (2026/12/03 in Chinese) would leave the picker empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ChoicesInOneQuery(forms.models.ModelChoiceIterator):
    """A model select's choices read with one plain SELECT.

    Django's own iterator reads the queryset through `QuerySet.iterator()`, which on PostgreSQL
    is a server-side cursor: DECLARE ... WITH HOLD (the whole result materialised when the
    autocommit statement ends), FETCH and CLOSE, three round trips for a list of a few dozen
    branches or villages. Reading the queryset itself is one, and keeps the rows on the field's
    queryset should the choices be read again. Only for short lists (they are all in the page)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` whose choices come from one query (`ChoicesInOneQuery`)."""

    iterator = ChoicesInOneQuery
