"""Models' `get_<field>_display()` without rebuilding the field's choices on every call."""
from __future__ import annotations

from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


class ChoiceDisplay:
    """Mix into a model (before `models.Model`) whose choice labels are shown row by row.

    Django's `get_<field>_display()` flattens the field's choices into a new dict on every call:
    200 dicts for a page of 50 members with four choice columns. Here each field's dict is built
    once and kept on the field, as long as its choices stay the same object (setting
    `field.choices` rebuilds it; callable choices are never kept). The labels stay lazy in it, so
    each call still answers in the reader's language."""

    def _get_FIELD_display(self, field):  # noqa: N802 - Django's name, looked up by get_<field>_display
        choices = field.choices
        if isinstance(choices, CallableChoiceIterator):
            return super()._get_FIELD_display(field)
        kept = field.__dict__.get("_display_choices")
        if kept is None or kept[0] is not choices:
            kept = (choices, dict(make_hashable(field.flatchoices)))
            field._display_choices = kept
        value = getattr(self, field.attname)
        return force_str(kept[1].get(make_hashable(value), value), strings_only=True)
