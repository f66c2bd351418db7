from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.choices import AppliesTo, Category, MeetingKind, Rating
from scoring.county.models import CountyPolicy, MeetingFrequency

_NUM = {"step": "0.5", "inputmode": "decimal"}


class CountyPolicyForm(forms.ModelForm):
    class Meta:
        model = CountyPolicy
        fields = ["year_start_month", "default_base_score", "late_window_days", "objection_days",
                  "objection_answer_days"]


class TemplateCatalogueForm(forms.Form):
    year = forms.IntegerField(label=_("Scoring year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    document = forms.CharField(label=_("Issuing document"), max_length=200, required=False)


class TemplateCopyForm(forms.Form):
    year = forms.IntegerField(label=_("New scoring year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Leave empty to reuse the title with the new year."))


class TemplateItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    points_min = forms.DecimalField(label=_("Minimum points"), max_digits=7, decimal_places=2,
                                    widget=forms.NumberInput(attrs=_NUM))
    points_max = forms.DecimalField(label=_("Maximum points"), max_digits=7, decimal_places=2,
                                    widget=forms.NumberInput(attrs=_NUM),
                                    help_text=_("Equal to the minimum for fixed points; negative for deductions."))
    monthly_cap = forms.DecimalField(label=_("Cap per month"), max_digits=7, decimal_places=2, required=False,
                                     widget=forms.NumberInput(attrs=_NUM))
    yearly_cap = forms.DecimalField(label=_("Cap per year"), max_digits=7, decimal_places=2, required=False,
                                    widget=forms.NumberInput(attrs=_NUM))
    evidence_required = forms.BooleanField(label=_("Evidence required"), required=False, initial=True)
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=AppliesTo.choices, initial=AppliesTo.ALL)
    veto_rating = forms.ChoiceField(label=_("Annual rating on veto"), choices=[("", "—"), *Rating.choices],
                                    required=False)
    bound_min = forms.DecimalField(label=_("Lowest points a township may set"), max_digits=7, decimal_places=2,
                                   required=False, widget=forms.NumberInput(attrs=_NUM),
                                   help_text=_("Empty: the minimum points."))
    bound_max = forms.DecimalField(label=_("Highest points a township may set"), max_digits=7, decimal_places=2,
                                   required=False, widget=forms.NumberInput(attrs=_NUM),
                                   help_text=_("Empty: the maximum points."))
    may_disable = forms.BooleanField(label=_("A township may leave it out"), required=False)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, required=False)

    def cleaned_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["sort_order"] = data.get("sort_order") or 0
        return data


class MeetingFrequencyForm(forms.Form):
    """One field per kind of branch meeting: every how many months it is required (0: not required)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = MeetingFrequency._meta.get_field("months").choices
        for kind in MeetingKind:
            self.fields[kind.value] = forms.TypedChoiceField(label=kind.label, choices=choices, coerce=int)
