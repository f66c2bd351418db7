from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from staffing.clerks.models import MAX_CLERKS_PER_VILLAGE, Clerk
from staffing.county.models import MAX_YEARS_CEILING
from tenants.organisation.models import Village

DATE = DateInput()


class ClerkForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=50)
    gender = forms.ChoiceField(label=_("gender"), choices=Clerk.Gender.choices)
    birth_date = forms.DateField(label=_("birth date"), widget=DATE)
    contract_start = forms.DateField(label=_("contract start"), widget=DATE)
    contract_end = forms.DateField(label=_("contract end"), widget=DATE, required=False)
    home_village = forms.ModelChoiceField(label=_("home village"), queryset=Village.objects.all(), required=False)
    relatives_villages = forms.ModelMultipleChoiceField(label=_("villages where relatives live"),
                                                        queryset=Village.objects.all(), required=False)
    user_id = forms.IntegerField(label=_("user account"), required=False, min_value=1)


class PlacementForm(forms.Form):
    clerk = forms.ModelChoiceField(label=_("clerk"), queryset=Clerk.objects.filter(status=Clerk.Status.ACTIVE))
    village = forms.ModelChoiceField(label=_("village"), queryset=Village.objects.all())
    starts_on = forms.DateField(label=_("starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("ends on"), widget=DATE, required=False)


class PlacementEndForm(forms.Form):
    ends_on = forms.DateField(label=_("ends on"), widget=DATE)


class RequiredForm(forms.Form):
    village = forms.ModelChoiceField(label=_("village"), queryset=Village.objects.all())
    required = forms.IntegerField(label=_("clerks required"), min_value=1, max_value=MAX_CLERKS_PER_VILLAGE)


class MoveAdjustForm(forms.Form):
    to_village = forms.ModelChoiceField(label=_("to village"), queryset=Village.objects.all())
    moves_on = forms.DateField(label=_("moves on"), widget=DATE)


class PolicyForm(forms.Form):
    max_years = forms.IntegerField(label=_("most years a clerk serves in one village"), min_value=1,
                                   max_value=MAX_YEARS_CEILING)
