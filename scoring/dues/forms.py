"""Forms of the dues pages; business rules are checked by the services (`apply_to_form`)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from scoring.dues.county.selectors import Basis
from scoring.dues.models import DuesExemption, DuesPayment

MONTHS = [(m, f"{m:02d}") for m in range(1, 13)]


class _MemberForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int, choices=())

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.pk, m.name) for m in members]


class PaymentForm(_MemberForm):
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=9, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
    method = forms.ChoiceField(label=_("Method"), choices=DuesPayment.Method.choices)
    receipt_number = forms.CharField(label=_("Receipt number"), max_length=40)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    first_month = forms.TypedChoiceField(label=_("First month covered"), coerce=int, choices=MONTHS)
    last_month = forms.TypedChoiceField(label=_("Last month covered"), coerce=int, choices=MONTHS)
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())


class BaseForm(_MemberForm):
    basis = forms.ChoiceField(label=_("Basis"), choices=Basis.choices)
    monthly_income = forms.DecimalField(label=_("Monthly income (yuan)"), max_digits=9, decimal_places=2,
                                        required=False, min_value=0)
    effective_from = forms.DateField(label=_("From month"), widget=forms.DateInput(attrs={"type": "month"}),
                                     input_formats=["%Y-%m", "%Y-%m-%d"])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ExemptionForm(_MemberForm):
    reason_kind = forms.ChoiceField(label=_("Ground"), choices=DuesExemption.Reason.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    first_month = forms.DateField(label=_("First month"), widget=forms.DateInput(attrs={"type": "month"}),
                                  input_formats=["%Y-%m", "%Y-%m-%d"])
    last_month = forms.DateField(label=_("Last month"), widget=forms.DateInput(attrs={"type": "month"}),
                                 input_formats=["%Y-%m", "%Y-%m-%d"])


class CorrectionForm(forms.Form):
    amount = forms.DecimalField(label=_("Change (yuan, negative to take back)"), max_digits=9, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PolicyForm(forms.Form):
    bracket1_up_to = forms.DecimalField(label=_("first bracket: income up to (yuan)"), max_digits=9, decimal_places=2)
    bracket1_rate = forms.DecimalField(label=_("first bracket rate (%)"), max_digits=5, decimal_places=2)
    bracket2_up_to = forms.DecimalField(label=_("second bracket: income up to (yuan)"), max_digits=9, decimal_places=2)
    bracket2_rate = forms.DecimalField(label=_("second bracket rate (%)"), max_digits=5, decimal_places=2)
    bracket3_up_to = forms.DecimalField(label=_("third bracket: income up to (yuan)"), max_digits=9, decimal_places=2)
    bracket3_rate = forms.DecimalField(label=_("third bracket rate (%)"), max_digits=5, decimal_places=2)
    top_rate = forms.DecimalField(label=_("rate above the third bracket (%)"), max_digits=5, decimal_places=2)
    farmer_monthly = forms.DecimalField(label=_("farmers: monthly dues (yuan)"), max_digits=9, decimal_places=2)
    minimum_monthly = forms.DecimalField(label=_("minimum monthly dues (yuan)"), max_digits=9, decimal_places=2)
