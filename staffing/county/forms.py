from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from staffing.appraisal import calc
from staffing.county.models import AppraisalTemplate, CareerProposal

DATE = DateInput()


class CareerProposeForm(forms.Form):
    kind = forms.ChoiceField(label=_("proposal"), choices=CareerProposal.Kind.choices)
    basis = forms.CharField(label=_("basis of the proposal"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class CareerDecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))],
                                 widget=forms.RadioSelect)
    basis = forms.CharField(label=_("basis of the decision"), max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    decision_date = forms.DateField(label=_("decision date"), widget=DATE)
    document_number = forms.CharField(label=_("document number"), max_length=60, required=False,
                                      help_text=_("Required for an approval."))


class AppraisalTemplateForm(forms.Form):
    """The county's appraisal template: period kind, the weight of every component (whole percentages,
    summing to 100), and per grade the lowest score and the performance coefficient."""

    period_kind = forms.ChoiceField(label=_("appraisal period"), choices=AppraisalTemplate.PeriodKind.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in calc.SIGNAL_KEYS + calc.OFFICE_KEYS:
            self.fields[f"w_{key}"] = forms.IntegerField(label=calc.COMPONENT_LABELS[key], min_value=0,
                                                         max_value=100)
        for grade, _threshold in calc.GRADE_THRESHOLDS:
            self.fields[f"min_{grade}"] = forms.DecimalField(label=_("Grade %(grade)s from score") % {"grade": grade},
                                                             min_value=0, max_value=100, decimal_places=2,
                                                             max_digits=5)
            self.fields[f"coef_{grade}"] = forms.DecimalField(
                label=_("Grade %(grade)s coefficient") % {"grade": grade}, min_value=0, max_value=3,
                decimal_places=2, max_digits=4)

    def weights(self) -> dict:
        return {key: self.cleaned_data[f"w_{key}"] for key in calc.SIGNAL_KEYS + calc.OFFICE_KEYS}

    def grades(self) -> dict:
        return {grade: {"min": str(self.cleaned_data[f"min_{grade}"]), "coefficient": str(self.cleaned_data[f"coef_{grade}"])}
                for grade, _t in calc.GRADE_THRESHOLDS}
