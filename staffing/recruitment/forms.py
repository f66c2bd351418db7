from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from staffing.recruitment.models import Application, Education, Round
from tenants.organisation.models import Village

DATE = DateInput()


# The round's own fields, in the order of the township's and the county's forms.
ROUND_FIELDS = ["title", "min_education", "min_age", "max_age", "county_residence_required",
                "office_skills_required", "applications_open", "applications_close", "test_on", "interview_on",
                "publish_on", "written_weight", "interview_weight", "offer_days"]
ROUND_WIDGETS = dict.fromkeys(["applications_open", "applications_close", "test_on", "interview_on", "publish_on"],
                              DATE)


class RoundForm(forms.ModelForm):
    villages = forms.ModelMultipleChoiceField(label=_("villages"), queryset=Village.objects.all())

    class Meta:
        model = Round
        fields = ["title", "posts", "villages", *ROUND_FIELDS[1:]]
        widgets = ROUND_WIDGETS


class ApplyForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=50)
    gender = forms.ChoiceField(label=_("gender"), choices=Application._meta.get_field("gender").choices)
    birth_date = forms.DateField(label=_("birth date"), widget=DATE)
    phone = forms.RegexField(label=_("phone"), regex=r"^1\d{10}$", max_length=11)
    education = forms.ChoiceField(label=_("education"), choices=Education.choices)
    county_resident = forms.BooleanField(label=_("household registered in the county"), required=False)
    office_skills = forms.BooleanField(label=_("can use office software"), required=False)


class ScoresForm(forms.Form):
    written = forms.DecimalField(label=_("written test score"), min_value=0, max_value=100, decimal_places=2)
    interview = forms.DecimalField(label=_("interview score"), min_value=0, max_value=100, decimal_places=2)


class AcceptForm(forms.Form):
    username = forms.CharField(label=_("username"), max_length=150)
    password = forms.CharField(label=_("initial password"), max_length=128)
    village = forms.ModelChoiceField(label=_("village"), queryset=Village.objects.all())
    starts_on = forms.DateField(label=_("starts on"), widget=DATE)
    contract_end = forms.DateField(label=_("contract end"), widget=DATE, required=False)
