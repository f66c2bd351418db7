"""Forms of the tip pages: types only; the rules are the services'."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from scoring.ledger.forms import MultipleFileField, MultipleFileInput
from scoring.tips.base import RECORD_CHANNELS, TipStatus
from scoring.tips.models import Sanction
from tenants.organisation.models import Village


def village_choices():
    return [("", "—")] + [(v.pk, v.name) for v in Village.objects.order_by("code")]


class IntakeForm(forms.Form):
    subject = forms.CharField(label=_("Who or what is it about"), max_length=200)
    body = forms.CharField(label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    village = forms.TypedChoiceField(label=_("Village (if known)"), coerce=int, empty_value=None, required=False)
    about_office = forms.BooleanField(
        label=_("It is about the township's own Party-building office or leaders"), required=False,
        help_text=_("Such tips go to the county, not to the township."))
    anonymous = forms.BooleanField(label=_("Report anonymously"), required=False, initial=True)
    reporter_name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    reporter_contact = forms.CharField(label=_("How to reach you"), max_length=100, required=False,
                                       help_text=_("Seen only by the discipline commission."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = village_choices()


class RecordForm(IntakeForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=RECORD_CHANNELS)

    field_order = ["channel"]


class ReceiptForm(forms.Form):
    code = forms.CharField(label=_("Receipt code"), max_length=40, widget=forms.TextInput(attrs={
        "inputmode": "numeric", "autocomplete": "off", "placeholder": "1234 5678 9012 3456"}))


class ReporterMessageForm(ReceiptForm):
    body = forms.CharField(label=_("Your message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget = forms.HiddenInput()


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=TipStatus.choices)
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Handler"), coerce=int)
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DateInput())

    def __init__(self, *args, handlers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [(u.pk, str(u)) for u in handlers]


class TextForm(forms.Form):
    body = forms.CharField(label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceForm(forms.Form):
    evidence = MultipleFileField(label=_("Photos or PDF"), widget=MultipleFileInput(
        attrs={"accept": "image/*,application/pdf"}))


class CorrectionForm(forms.Form):
    entry = forms.IntegerField(label=_("Posted entry number"), min_value=1)
    points = forms.DecimalField(label=_("Change of points"), max_digits=7, decimal_places=2,
                                help_text=_("Negative to take points back."))
    reason = forms.CharField(label=_("Reason"), max_length=500)


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Sanction"), choices=Sanction.Kind.choices)
    person_name = forms.CharField(label=_("Person sanctioned"), max_length=100)
    village = forms.TypedChoiceField(label=_("Village"), coerce=int, empty_value=None, required=False)
    decided_on = forms.DateField(label=_("Date of decision"), widget=DateInput())
    decision_maker = forms.CharField(label=_("Decided by"), max_length=100)
    document_number = forms.CharField(label=_("Document number"), max_length=60)
    source = forms.CharField(label=_("Source"), max_length=40, help_text=_("tip:<number> or check:<number>"))
    faking_established = forms.BooleanField(
        label=_("Faking of points established"), required=False,
        help_text=_("The village's branch secretary loses the scoring year's award eligibility."))
    scoring_year = forms.IntegerField(label=_("Scoring year"), required=False, min_value=2000, max_value=2100,
                                      help_text=_("Default: the year of the decision date."))
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = village_choices()
