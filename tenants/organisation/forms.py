"""Forms of the organisation pages. They only shape input; the services validate and write."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput, ModelChoiceField, Select
from tenants.organisation.models import Branch, Member, Village
from tenants.organisation.validators import normalise_id_number, validate_id_number

TRANSFER_BRANCH_OR_DESTINATION = _("Choose either a branch of this township or a destination outside it, not both.")
ANY = _("Any")
NAME_AND_PLACE = _("%(name)s (%(place)s)")

_DATE = {"type": "date"}
_YES_NO = [("", ANY), ("true", _("Yes")), ("false", _("No"))]


class FilterForm(forms.Form):
    """A list's filters: the search box always shows, the rest fold away on a phone until used."""

    primary = ("q",)

    def primary_fields(self):
        return [self[name] for name in self.fields if name in self.primary]

    def more_fields(self):
        return [self[name] for name in self.fields if name not in self.primary]

    def more_active(self) -> bool:
        return any(self.data.get(name) for name in self.fields if name not in self.primary)



def _model_label(model, field: str):
    return model._meta.get_field(field).verbose_name


class BranchChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Branch) -> str:
        return str(NAME_AND_PLACE) % {"name": obj.name, "place": obj.village.name} if obj.village_id else obj.name


# --- villages -----------------------------------------------------------------------------------
class VillageForm(forms.Form):
    name = forms.CharField(label=_model_label(Village, "name"), max_length=100)
    code = forms.CharField(
        label=_model_label(Village, "code"), max_length=32, help_text=_("A short code, unique in the township.")
    )


class VillageFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Name or code"), "type": "search"}))


# --- branches -----------------------------------------------------------------------------------
class BranchForm(forms.Form):
    name = forms.CharField(label=_model_label(Branch, "name"), max_length=100)
    kind = forms.ChoiceField(label=_model_label(Branch, "kind"), choices=Branch.Kind.choices)
    parent = BranchChoiceField(
        label=_model_label(Branch, "parent"), queryset=Branch.objects.none(), required=False,
        help_text=_("Only a village general branch can have branches under it."),
    )
    village = ModelChoiceField(
        label=_model_label(Branch, "village"), queryset=Village.objects.none(), required=False,
        help_text=_("Required for a village branch or village general branch."),
    )

    def __init__(self, *args, branch: Branch | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Branch.objects.filter(kind=Branch.Kind.VILLAGE_GENERAL).select_related("village")
        if branch is not None:
            parents = parents.exclude(pk=branch.pk)
        self.fields["parent"].queryset = parents
        self.fields["village"].queryset = Village.objects.all()


class BranchFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Branch name"), "type": "search"}))
    kind = forms.ChoiceField(label=_model_label(Branch, "kind"), required=False,
                             choices=[("", ANY), *Branch.Kind.choices], widget=Select)
    village = ModelChoiceField(label=_model_label(Branch, "village"), required=False,
                               queryset=Village.objects.none(), empty_label=ANY)

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages if villages is not None else Village.objects.none()


# --- members ------------------------------------------------------------------------------------
class MemberForm(forms.Form):
    """Create (with a branch) or edit (without: moves go through the transfer form) a member."""

    name = forms.CharField(label=_("Full name"), max_length=50)
    sex = forms.ChoiceField(label=_model_label(Member, "sex"), choices=Member.Sex.choices)
    birth_date = forms.DateField(label=_model_label(Member, "birth_date"), widget=DateInput())
    id_number = forms.CharField(
        label=_model_label(Member, "id_number"), max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        help_text=_("18 characters: 17 digits and a digit or X."), validators=[validate_id_number],
    )
    phone = forms.CharField(label=_model_label(Member, "phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))
    joined_on = forms.DateField(label=_model_label(Member, "joined_on"), widget=DateInput())
    kind = forms.ChoiceField(label=_model_label(Member, "kind"), choices=Member.Kind.choices)
    probation_ends_on = forms.DateField(
        label=_model_label(Member, "probation_ends_on"), required=False, widget=DateInput(),
        help_text=_("Probationary members only."),
    )
    category = forms.ChoiceField(label=_model_label(Member, "category"), choices=Member.Category.choices)
    is_migrant = forms.BooleanField(label=_model_label(Member, "is_migrant"), required=False)
    migrant_location = forms.CharField(
        label=_model_label(Member, "migrant_location"), max_length=100, required=False,
        help_text=_("Migrant members only: city or employer."),
    )
    is_special_occupation = forms.BooleanField(label=_model_label(Member, "is_special_occupation"), required=False)
    special_occupation = forms.CharField(
        label=_model_label(Member, "special_occupation"), max_length=50, required=False,
        help_text=_("Only if the special occupation box is ticked."),
    )
    is_elderly = forms.BooleanField(label=_model_label(Member, "is_elderly"), required=False)
    status = forms.ChoiceField(label=_model_label(Member, "status"), choices=Member.Status.choices,
                               initial=Member.Status.ACTIVE)
    branch = BranchChoiceField(label=_model_label(Member, "branch"), queryset=Branch.objects.none())

    def __init__(self, *args, branches=None, member: Member | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if member is not None:
            # Moving between branches is a transfer, with its own history.
            del self.fields["branch"]
        else:
            self.fields["branch"].queryset = branches if branches is not None else Branch.objects.none()
        # "Transferred out" is set by a transfer, never typed in.
        current = member.status if member is not None else None
        self.fields["status"].choices = [
            (value, label) for value, label in Member.Status.choices
            if value != Member.Status.TRANSFERRED_OUT or value == current
        ]

    def clean_id_number(self) -> str:
        return normalise_id_number(self.cleaned_data["id_number"])

    @staticmethod
    def initial_for(member: Member) -> dict:
        return {name: getattr(member, name) for name in (
            "name", "sex", "birth_date", "id_number", "phone", "joined_on", "kind", "probation_ends_on", "category",
            "is_migrant", "migrant_location", "is_special_occupation", "special_occupation", "is_elderly", "status",
        )}


class MemberFilterForm(FilterForm):
    """The member list's filters; names match `selectors.MemberFilter`, which does the filtering."""

    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Name, phone or ID number tail"),
                                                      "type": "search"}))
    branch = BranchChoiceField(label=_model_label(Member, "branch"), required=False,
                               queryset=Branch.objects.none(), empty_label=ANY)
    village = ModelChoiceField(label=_model_label(Branch, "village"), required=False,
                               queryset=Village.objects.none(), empty_label=ANY)
    kind = forms.ChoiceField(label=_model_label(Member, "kind"), required=False,
                             choices=[("", ANY), *Member.Kind.choices], widget=Select)
    category = forms.ChoiceField(label=_model_label(Member, "category"), required=False,
                                 choices=[("", ANY), *Member.Category.choices], widget=Select)
    status = forms.ChoiceField(label=_model_label(Member, "status"), required=False,
                               choices=[("", ANY), *Member.Status.choices], widget=Select)
    sex = forms.ChoiceField(label=_model_label(Member, "sex"), required=False,
                            choices=[("", ANY), *Member.Sex.choices], widget=Select)
    is_migrant = forms.ChoiceField(label=_("Migrant"), required=False, choices=_YES_NO, widget=Select)
    is_special_occupation = forms.ChoiceField(label=_("Special occupation"), required=False, choices=_YES_NO, widget=Select)
    is_elderly = forms.ChoiceField(label=_("Elderly"), required=False, choices=_YES_NO, widget=Select)

    def __init__(self, *args, branches=None, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if branches is not None:
            self.fields["branch"].queryset = branches.select_related("village")
        if villages is not None:
            self.fields["village"].queryset = villages


class TransferForm(forms.Form):
    to_branch = BranchChoiceField(
        label=_("To a branch of this township"), queryset=Branch.objects.none(), required=False,
        empty_label=_("— out of the township —"),
    )
    destination = forms.CharField(
        label=_("Or out of the township, to"), max_length=200, required=False,
        help_text=_("The organisation receiving the member; the member's status becomes transferred out."),
    )
    transferred_on = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, member: Member, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = branches.exclude(pk=member.branch_id).select_related("village")

    def clean(self):
        data = super().clean()
        if data.get("to_branch") and (data.get("destination") or "").strip():
            raise forms.ValidationError(TRANSFER_BRANCH_OR_DESTINATION)
        return data
