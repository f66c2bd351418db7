from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from scoring.choices import REVIEW_LEVEL_ORDER

_NUM = {"step": "0.5", "inputmode": "decimal"}
_DATE = DateInput()


class AdoptForm(forms.Form):
    year = forms.IntegerField(label=_("Scoring year"), min_value=2000, max_value=2100)
    template_id = forms.TypedChoiceField(label=_("County template"), coerce=int)
    base_score = forms.DecimalField(label=_("Base score"), max_digits=7, decimal_places=2, required=False,
                                    widget=forms.NumberInput(attrs=_NUM), help_text=_("Empty: the county's default."))
    late_window_days = forms.IntegerField(label=_("Days before an entry is late"), min_value=0, max_value=366,
                                          required=False, help_text=_("Empty: the county's default."))
    review_levels = forms.MultipleChoiceField(label=_("Review levels"), widget=forms.CheckboxSelectMultiple,
                                              choices=[(lvl.value, lvl.label) for lvl in REVIEW_LEVEL_ORDER])
    weight_branch = forms.DecimalField(label=_("Weight: branch self-assessment"), max_digits=4, decimal_places=2,
                                       required=False, min_value=0, max_value=1, initial="0.3")
    weight_work_team = forms.DecimalField(label=_("Weight: village work-team review"), max_digits=4,
                                          decimal_places=2, required=False, min_value=0, max_value=1, initial="0.3")
    weight_liaison = forms.DecimalField(label=_("Weight: liaison-leader weighting"), max_digits=4, decimal_places=2,
                                        required=False, min_value=0, max_value=1, initial="0.4")
    excellent_line = forms.DecimalField(label=_("Excellent line"), max_digits=7, decimal_places=2, initial="90")
    pass_line = forms.DecimalField(label=_("Pass line (qualified)"), max_digits=7, decimal_places=2, initial="60")
    basic_line = forms.DecimalField(label=_("Basically qualified line"), max_digits=7, decimal_places=2,
                                    initial="50")

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template_id"].choices = [(t.pk, f"{t.year} {t.title}") for t in templates]
        self.fields["review_levels"].initial = [lvl.value for lvl in REVIEW_LEVEL_ORDER]

    def cleaned_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        levels = data.pop("review_levels")
        weights = {lvl: data.pop(f"weight_{lvl}") for lvl in ("branch", "work_team", "liaison")}
        data["review_levels"] = levels
        data["review_weights"] = {lvl: (None if weights[lvl] is None else str(weights[lvl])) for lvl in levels}
        return data


class LocaliseForm(forms.Form):
    effective_from = forms.DateField(label=_("Effective from"), widget=_DATE)
    points_min = forms.DecimalField(label=_("Minimum points"), max_digits=7, decimal_places=2,
                                    widget=forms.NumberInput(attrs=_NUM))
    points_max = forms.DecimalField(label=_("Maximum points"), max_digits=7, decimal_places=2,
                                    widget=forms.NumberInput(attrs=_NUM))
    monthly_cap = forms.DecimalField(label=_("Cap per month"), max_digits=7, decimal_places=2, required=False,
                                     widget=forms.NumberInput(attrs=_NUM))
    yearly_cap = forms.DecimalField(label=_("Cap per year"), max_digits=7, decimal_places=2, required=False,
                                    widget=forms.NumberInput(attrs=_NUM))
    evidence_required = forms.BooleanField(label=_("Evidence required"), required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False)


class RulesOnForm(forms.Form):
    on = forms.DateField(label=_("In force on"), required=False, widget=_DATE)
