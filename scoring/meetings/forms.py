"""Forms check types only; every business rule (scope, dates, attendance, lock) is the services'."""
from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from scoring.choices import MeetingKind
from scoring.ledger.forms import MultipleFileField
from scoring.meetings.models import Attendance, RemoteConfirmation

DATE = DateInput()


class MeetingForm(forms.Form):
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    host = forms.CharField(label=_("Host"), max_length=100)
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    photos = MultipleFileField(label=_("Photos"), required=False)
    sign_in = MultipleFileField(label=_("Sign-in sheet"), required=False)

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(b.pk, b.name) for b in branches]


class DraftForm(MeetingForm):
    """The draft's fields (its branch is fixed) and the attendance of every member of the branch."""

    def __init__(self, *args, members=(), attendance=None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["branch"]
        attendance = attendance or {}
        self.members = list(members)
        for member in self.members:
            status, reason = attendance.get(member.pk, (Attendance.PRESENT, ""))
            self.fields[f"att_{member.pk}"] = forms.ChoiceField(label=member.name, choices=Attendance.choices,
                                                                initial=status)
            self.fields[f"why_{member.pk}"] = forms.CharField(label=_("Reason"), required=False, max_length=200,
                                                              initial=reason)

    def attendance_rows(self):
        return [(m, self[f"att_{m.pk}"], self[f"why_{m.pk}"]) for m in self.members]

    def attendance(self) -> dict:
        return {m.pk: (self.cleaned_data[f"att_{m.pk}"], self.cleaned_data[f"why_{m.pk}"]) for m in self.members}


class CorrectForm(DraftForm):
    reason = forms.CharField(label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2}))
    late_reason = forms.CharField(label=_("Reason for late entry (when the meeting is older than the window)"),
                                  required=False)


class FileForm(forms.Form):
    late_reason = forms.CharField(label=_("Reason for late entry (when the meeting is older than the window)"),
                                  required=False)


class RemoteForm(forms.Form):
    how = forms.ChoiceField(label=_("How did you attend?"), choices=RemoteConfirmation.How.choices,
                            widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(label=_("Photo (optional)"), required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False)


class PointsRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    attendance = forms.ChoiceField(label=_("Attendance"), choices=Attendance.choices)
    rule_code = forms.CharField(label=_("Catalogue item code"), max_length=20)
    points = forms.DecimalField(label=_("Points"), max_digits=7, decimal_places=2)


class ArchiveForm(forms.Form):
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(b.pk, b.name) for b in branches]
