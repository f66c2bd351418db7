from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from scoring.choices import Rating


class MonthCloseForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("month"), min_value=1, max_value=12)


class PublicationOpenForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    quarter = forms.IntegerField(label=_("quarter"), min_value=1, max_value=4)


class ObjectionForm(forms.Form):
    member = forms.TypedChoiceField(label=_("member concerned"), coerce=int)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m["id"], m["name"]) for m in members]


class ObjectionAnswerForm(forms.Form):
    uphold = forms.TypedChoiceField(label=_("decision"), coerce=lambda v: v == "1",
                                    choices=[("0", _("Dismiss")), ("1", _("Uphold"))], widget=forms.RadioSelect)
    answer = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    correction_points = forms.DecimalField(
        label=_("correction points"), required=False, max_digits=7, decimal_places=2,
        help_text=_("Only when upheld: points added (or, negative, deducted) by a correcting entry."),
    )


class AppraisalRowForm(forms.Form):
    member_id = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("result"), choices=[("", "—"), *Rating.choices], required=False)
    votes_excellent = forms.IntegerField(label=_("votes: excellent"), min_value=0, initial=0)
    votes_qualified = forms.IntegerField(label=_("votes: qualified"), min_value=0, initial=0)
    votes_basic = forms.IntegerField(label=_("votes: basically qualified"), min_value=0, initial=0)
    votes_unqualified = forms.IntegerField(label=_("votes: unqualified"), min_value=0, initial=0)


AppraisalFormSet = forms.formset_factory(AppraisalRowForm, extra=0)


class AppraisalCorrectForm(forms.Form):
    result = forms.ChoiceField(label=_("result"), choices=Rating.choices)
    votes_excellent = forms.IntegerField(label=_("votes: excellent"), min_value=0)
    votes_qualified = forms.IntegerField(label=_("votes: qualified"), min_value=0)
    votes_basic = forms.IntegerField(label=_("votes: basically qualified"), min_value=0)
    votes_unqualified = forms.IntegerField(label=_("votes: unqualified"), min_value=0)


class RatingRunForm(forms.Form):
    scoring_year = forms.IntegerField(label=_("scoring year"), min_value=2000, max_value=2100)
    override_reason = forms.CharField(
        label=_("reason for rating without every appraisal"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when some members have no second-half appraisal; recorded and audited."),
    )


class OutcomeDecideForm(forms.Form):
    measure = forms.ChoiceField(label=_("measure"))
    document_number = forms.CharField(label=_("document number"), max_length=60)
    decided_on = forms.DateField(label=_("date of decision"), widget=DateInput)
    decided_by = forms.CharField(label=_("decided by"), max_length=100)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = list(measures)


class RatingAmendForm(forms.Form):
    member_id = forms.TypedChoiceField(label=_("member"), coerce=int)
    rating = forms.ChoiceField(label=_("corrected rating"), choices=Rating.choices)
    reason = forms.CharField(label=_("reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    document_number = forms.CharField(label=_("document number"), max_length=60)
    decided_on = forms.DateField(label=_("date of decision"), widget=DateInput)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_id"].choices = list(members)
