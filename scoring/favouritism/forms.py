from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.favouritism.models import SignalSettings
from scoring.favouritism.services import SETTINGS_FIELDS


class DismissForm(forms.Form):
    note = forms.CharField(label=_("Why is this not favouritism?"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000)


class CheckOpenForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=2000)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = SignalSettings
        fields = SETTINGS_FIELDS
