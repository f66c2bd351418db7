from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from scoring.duties.models import Duty, DutyAssignment


class DutyForm(forms.ModelForm):
    class Meta:
        model = Duty
        fields = ["name", "period", "description", "remote_alternative", "care_alternative", "sort_order",
                  "is_active"]
        widgets = {name: forms.Textarea(attrs={"rows": 2})
                   for name in ("description", "remote_alternative", "care_alternative")}


class ConfirmForm(forms.Form):
    duty_id = forms.TypedChoiceField(label=_("duty"), coerce=int)
    variant = forms.ChoiceField(label=_("variant"), choices=DutyAssignment.Variant.choices,
                                widget=forms.RadioSelect)
    due_on = forms.DateField(label=_("to be done by"), required=False, widget=DateInput)
    note = forms.CharField(label=_("note (required when you change the proposal)"), required=False,
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, duties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duty_id"].choices = [(d.pk, d.name) for d in duties]


class CompleteForm(forms.Form):
    note = forms.CharField(label=_("how it was done"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ExcuseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class IllnessForm(forms.Form):
    member_id = forms.TypedChoiceField(label=_("member"), coerce=int)
    reason = forms.CharField(label=_("reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_id"].choices = [(m.pk, f"{m.name}（{m.branch.name}）") for m in members]
