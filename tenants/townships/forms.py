"""Forms of the county pages. They only shape input; `township_create` validates and writes."""
from __future__ import annotations

import functools
import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.forms import Select
from tenants.townships.models import Township


def _label(field: str):
    return Township._meta.get_field(field).verbose_name


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone (about 600; read from the disk once per process)."""
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class TownshipCreateForm(forms.Form):
    name = forms.CharField(label=_label("name"), max_length=100)
    code = forms.CharField(
        label=_label("code"), max_length=31,
        help_text=_("Lowercase letters, digits or hyphens; the township's address becomes /t/<code>/."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}),
    )
    # Django's templates rendered the 600 options one by one: about 0.4 s of every county home.
    time_zone = forms.ChoiceField(label=_label("time_zone"), choices=time_zone_choices, widget=Select,
                                  initial=settings.DEFAULT_TOWNSHIP_TIME_ZONE)


class TownshipArchiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.CharField(label=_("Type the township's code to confirm"), max_length=31)


class TownshipRestoreForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
