from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.oversight.models import Finding


class TownshipShareForm(forms.Form):
    year = forms.IntegerField(label=_("Scoring year"), min_value=2000, max_value=2100)
    min_share = forms.DecimalField(label=_("Share of villages drawn each month"), max_digits=5, decimal_places=4)


class FindingForm(forms.Form):
    entry_id = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("Result"), choices=Finding.Result.choices, widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Discrepancy"), choices=[("", "—"), *Finding.Reason.choices], required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    points = forms.DecimalField(label=_("Correction (change in points, e.g. -2)"), required=False, max_digits=7,
                                decimal_places=2)


class UnannouncedForm(forms.Form):
    village = forms.TypedChoiceField(label=_("Village"), coerce=int)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.pk, f"{v.code} {v.name}") for v in villages]


class TeamAddForm(forms.Form):
    user_id = forms.IntegerField(label=_("User id"))


class CountyPolicyForm(forms.Form):
    year = forms.IntegerField(label=_("Scoring year"), min_value=2000, max_value=2100)


class PublicValueForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    value = forms.CharField(label=_("Public value"), max_length=200)
    source = forms.CharField(label=_("Where it comes from"), max_length=200)
