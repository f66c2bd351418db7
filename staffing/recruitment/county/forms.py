from django import forms
from django.utils.translation import gettext_lazy as _

from staffing.recruitment.county.models import CountyPost, CountyRound
from staffing.recruitment.forms import DATE, ROUND_FIELDS, ROUND_WIDGETS, ApplyForm


class CountyRoundForm(forms.ModelForm):
    """The round's fields and, per ready township, its number of places (0: no post there)."""

    class Meta:
        model = CountyRound
        fields = ROUND_FIELDS
        widgets = ROUND_WIDGETS

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.townships = list(townships)
        for township in self.townships:
            self.fields[f"places_{township.code}"] = forms.IntegerField(
                label=_("places in %(township)s") % {"township": township.name}, min_value=0, max_value=50,
                required=False, initial=0)

    def posts(self) -> list[dict]:
        return [{"township": t, "places": self.cleaned_data[f"places_{t.code}"]} for t in self.townships
                if self.cleaned_data.get(f"places_{t.code}")]


class CountyApplyForm(ApplyForm):
    post = forms.ModelChoiceField(label=_("post (township)"), queryset=CountyPost.objects.none())

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = CountyPost.objects.filter(round=round_).select_related("township")
        self.fields["post"].label_from_instance = lambda p: f"{p.township.name} × {p.places}"
        self.order_fields(["post"])


class CountyAcceptForm(forms.Form):
    username = forms.CharField(label=_("username"), max_length=150)
    password = forms.CharField(label=_("initial password"), max_length=128)
    village_id = forms.TypedChoiceField(label=_("village"), coerce=int, choices=())
    starts_on = forms.DateField(label=_("starts on"), widget=DATE)
    contract_end = forms.DateField(label=_("contract end"), widget=DATE, required=False)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village_id"].choices = list(villages)
