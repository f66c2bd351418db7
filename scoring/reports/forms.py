"""Forms of the report pages; business rules are checked by the services (`apply_to_form`)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.ledger.forms import MultipleFileField, MultipleFileInput
from scoring.reports.models import ReportKind


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReportKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10}))
    photos = MultipleFileField(label=_("Photos"), required=False, help_text=_(
        "A photo of the handwritten report or of your study: JPEG, PNG, WebP, HEIC or PDF, at most 10 MB each."),
        widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf", "capture": "environment"}))


class AcceptForm(forms.Form):
    points = forms.DecimalField(label=_("Points proposed"), max_digits=7, decimal_places=2, required=False,
                                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Reason for returning"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class MappingForm(forms.Form):
    rule_code = forms.CharField(label=_("Catalogue item code"), max_length=20)
    points = forms.DecimalField(label=_("Points proposed"), max_digits=7, decimal_places=2, min_value=0)


class ArchiveForm(forms.Form):
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int, choices=())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(b.pk, b.name) for b in branches]
