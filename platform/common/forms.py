"""Form pieces shared by every app."""
from __future__ import annotations

from django import forms
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime


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


def _text(value) -> str:
    """`{{ value }}` in a template: local time, localised, escaped unless already safe."""
    return conditional_escape(localize(template_localtime(value)))


def _as_string(value) -> str:
    """`{{ value|stringformat:'s' }}` in a template (the filter keeps a safe value safe)."""
    text = "%s" % (value,)  # noqa: UP031 - exactly what the filter does
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)  # noqa: S308 - safe only if it was


def _attrs(attrs: dict) -> str:
    """Django's `django/forms/widgets/attrs.html`: ` name="value"`, a bare name for True, none for False."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{_as_string(value)}"')
        for name, value in attrs.items() if value is not False
    )


class Select(forms.Select):
    """Django's `Select` with its markup written here rather than rendered by the form renderer.

    Django renders `select.html`, then `select_option.html` and `attrs.html` once for every
    option: a member list's filters (every branch and village in scope) spent more time there
    than the list's own query took. The HTML is byte for byte what Django's templates give
    (tests/common/test_forms.py compares them); a project-wide FORM_RENDERER or an override of
    Django's widget templates would not apply to it (the project has neither)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{_text(group_name)}">')
            html.extend(f'\n  <option value="{_as_string(option["value"])}"{_attrs(option["attrs"])}>'
                        f'{_text(option["label"])}</option>\n' for option in options)
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))  # noqa: S308 - every piece above is escaped


class ModelChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` whose choices come from one query (`ChoicesInOneQuery`), in a `Select`
    written without templates."""

    iterator = ChoicesInOneQuery
    widget = Select
