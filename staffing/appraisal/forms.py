from django import forms
from django.utils.translation import gettext_lazy as _

from staffing.clerks.models import Clerk


class ExceptionRequestForm(forms.Form):
    clerk = forms.ModelChoiceField(label=_("clerk"), queryset=Clerk.objects.filter(status=Clerk.Status.ACTIVE))
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("month"), min_value=1, max_value=12)
    reason = forms.CharField(label=_("reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The documented reason (e.g. the approval it rests on)."))


class CorrectionForm(forms.Form):
    base = forms.DecimalField(label=_("base pay"), max_digits=9, decimal_places=2, initial=0,
                              help_text=_("The difference to add (negative to deduct)."))
    allowance = forms.DecimalField(label=_("allowance"), max_digits=9, decimal_places=2, initial=0)
    performance = forms.DecimalField(label=_("performance pay"), max_digits=9, decimal_places=2, initial=0)
    note = forms.CharField(label=_("note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Why the approved line is corrected."))
