"""Every native date picker in the product gets its value in ISO form.

A browser shows the value of `<input type="date">` only as 2026-12-03; Django's localised format
(2026/12/03 in Chinese) leaves the picker empty, so a form shown again after an error, or with a
default date, lost its date on every phone.
"""
import importlib

from django import forms
from django.apps import apps

from common.forms import DateInput


def _form_classes():
    for config in apps.get_app_configs():
        if not config.name.startswith(("scoring", "staffing", "tenants", "accounts", "audit", "common",
                                       "notifications")):
            continue
        try:
            importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.forms":
                raise
    seen, todo = set(), [forms.Form, forms.ModelForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [cls for cls in seen if cls.__module__.split(".")[0] in {
        "scoring", "staffing", "tenants", "accounts", "audit", "common", "notifications"}]


def test_every_date_picker_renders_iso_dates():
    checked, wrong = 0, []
    for cls in _form_classes():
        for name, field in getattr(cls, "base_fields", {}).items():
            widget = field.widget
            if isinstance(widget, forms.DateInput) and widget.input_type == "date":
                checked += 1
                if widget.format != "%Y-%m-%d":
                    wrong.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert checked >= 10
    assert wrong == []


def test_the_shared_date_input_renders_iso_in_chinese():
    import datetime as dt

    from django.utils import translation

    with translation.override("zh-hans"):
        html = DateInput().render("day", dt.date(2026, 12, 3))
    assert 'type="date"' in html
    assert 'value="2026-12-03"' in html
