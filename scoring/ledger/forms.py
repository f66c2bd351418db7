"""Forms of the entry pages: the clerk's phone form, review and late-entry decisions, list filters.

Forms check types only; every business rule (scope, item, range, caps, evidence) is checked by
the services, whose field-keyed errors land on these fields (`apply_to_form`).
"""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from common.forms import DateInput
from scoring.ledger.models import Entry, Review
from tenants.organisation.models import Member
from tenants.organisation.selectors import branch_scope, member_scope


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data if item]
        return [single_clean(data, initial)] if data else []


RULE_LABEL = _("%(item)s (%(category)s, %(points)s)")
MEMBER_LABEL = _("%(name)s (%(where)s · born %(year)s · ID …%(id_tail)s)")


def member_label(member: Member) -> str:
    """Tells two members of the same name apart: branch and village, birth year and the ID
    number's last four characters (the rest stays masked). Needs `branch__village` loaded."""
    branch = member.branch
    village = getattr(branch, "village", None)
    where = branch.name if village is None or village.name in branch.name else f"{branch.name} · {village.name}"
    return str(MEMBER_LABEL) % {"name": member.name, "where": where, "year": member.birth_date.year,
                                "id_tail": member.masked_id_number[-4:]}


class EntryForm(forms.Form):
    member_q = forms.CharField(label=_("Find member"), required=False, widget=forms.TextInput(attrs={
        "type": "search", "autocomplete": "off", "placeholder": _("Name or phone"),
    }))
    member = forms.TypedChoiceField(label=_("Member"), coerce=int, choices=())
    occurred_on = forms.DateField(label=_("Date it happened"), widget=DateInput())
    rule = forms.ChoiceField(label=_("Item"), choices=())
    points = forms.DecimalField(label=_("Points"), max_digits=7, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = MultipleFileField(label=_("Photos or PDF"), required=False, help_text=_(
        "Take a photo or attach files: JPEG, PNG, WebP, HEIC or PDF, at most 10 MB each."),
        widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf", "capture": "environment"}))
    late_reason = forms.CharField(label=_("Reason for late entry"), required=False, help_text=_(
        "Needed when the event is older than the township's window or its month is sealed."),
        widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, access: Access, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.access = access
        self.fields["occurred_on"].widget.attrs["max"] = today.isoformat()
        member = self._bound_member()
        self.fields["member"].choices = [("", _("— search above —"))] + (
            [(member.pk, member_label(member))] if member else [])
        self.fields["rule"].choices = rule_choices(member=member, on=self._bound_date() or today)

    def _bound_member(self) -> Member | None:
        raw = (self.data.get("member") if self.is_bound else self.initial.get("member")) or ""
        try:
            return member_scope(self.access).select_related("branch__village").filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None

    def _bound_date(self):
        raw = self.data.get("occurred_on") if self.is_bound else None
        try:
            return forms.DateField().clean(raw) if raw else None
        except forms.ValidationError:
            return None


def rule_choices(*, member: Member | None, on) -> list[tuple[str, str]]:
    from scoring.catalogue.selectors import rules_in_force

    choices = [("", _("— choose an item —"))]
    if member is None or on is None:
        return choices
    for rule in rules_in_force(on=on, member=member):
        points = f"{rule.points_min}" if rule.points_min == rule.points_max else f"{rule.points_min}～{rule.points_max}"
        choices.append((rule.code, str(RULE_LABEL) % {"item": f"{rule.code} {rule.name}",
                                                       "category": rule.get_category_display(), "points": points}))
    return choices


class ResubmitForm(forms.Form):
    """Correct a returned entry: the points, the note and the evidence; member, item and date stay."""

    points = forms.DecimalField(label=_("Points"), max_digits=7, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    keep_evidence = forms.BooleanField(label=_("Keep the evidence already attached"), required=False, initial=True)
    evidence = MultipleFileField(label=_("Photos or PDF"), required=False, help_text=_(
        "Take a photo or attach files: JPEG, PNG, WebP, HEIC or PDF, at most 10 MB each."),
        widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf", "capture": "environment"}))
    late_reason = forms.CharField(label=_("Reason for late entry"), required=False, help_text=_(
        "Needed when the event is older than the township's window or its month is sealed."),
        widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    level = forms.CharField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decision"), choices=Review.Decision.choices, widget=forms.RadioSelect)
    score = forms.DecimalField(label=_("Points given"), required=False, max_digits=7, decimal_places=2,
                               help_text=_("Leave empty to keep the points entered."),
                               widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required when rejecting."))


class LateDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("approve", _("Approve the late entry")), ("reject", _("Refuse the late entry"))])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Required when refusing."))


class EntryFilterForm(forms.Form):
    """The entries list's filter box; the list also keeps the API's other filters (`member`,
    `rule`, `level`, `is_late`, `occurred_from`, `occurred_to`) when they are in the query string."""

    q = forms.CharField(label=_("Member or item"), required=False, max_length=50,
                        widget=forms.TextInput(attrs={"type": "search"}))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + Entry.Status.choices)
    branch = forms.ChoiceField(label=_("Branch"), required=False)
    mine = forms.ChoiceField(label=_("Recorded by"), required=False,
                             choices=[("", _("Anyone")), ("true", _("Me"))])

    def __init__(self, *args, access=None, **kwargs):
        super().__init__(*args, **kwargs)
        branches = branch_scope(access).order_by("name") if access is not None and access.sees_branches else []
        if branches:
            self.fields["branch"].choices = [("", _("All")), *((str(b.pk), b.name) for b in branches)]
        else:
            del self.fields["branch"]
