"""Forms of the login page and of a township's people pages. They only shape input: throttles
and lockout live in `accounts.backends`, user and role rules in `accounts.services`."""
from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.backends import ACCOUNT_LOCKED, login_guard, login_locked
from accounts.models import (
    BRANCH_SCOPED_ROLES,
    MEMBER_SCOPED_ROLES,
    VILLAGE_SCOPED_ROLES,
    Role,
    User,
)

USER_NOT_FOUND = _("No user with this username. Fill in a password to create one.")
NEW_USER_NEEDS_NO_PASSWORD = _("This user already exists: leave the password empty to give them the role.")


class LoginForm(AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, "locked": ACCOUNT_LOCKED}

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        refusal = login_guard(self.request, username)
        if refusal:
            raise forms.ValidationError(refusal, code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            # Locked (or the failure that reaches the limit locks it): say so at once.
            if login_locked(self.request):
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise


# --- people of a township -----------------------------------------------------------------------
TOWNSHIP_ROLES = [(value, label) for value, label in Role.choices if value != Role.COUNTY_ADMIN]


def scope_of(role: str) -> str:
    """Which scope field a role needs: "villages", "branch", "member" or "" (township-wide)."""
    if role in VILLAGE_SCOPED_ROLES:
        return "villages"
    if role in BRANCH_SCOPED_ROLES:
        return "branch"
    if role in MEMBER_SCOPED_ROLES:
        return "member"
    return ""


class VillageChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class RoleAssignForm(forms.Form):
    """Give a role in this township to an existing user, or to a new user created at once.

    With a password the user is created (username must be free); without, it must exist.
    Scope fields are read according to the role; the service checks them against the township.
    """

    FIELD_SCOPES = {"village_ids": "villages", "branch_id": "branch", "member_search": "member", "member_id": "member"}

    username = forms.CharField(
        label=_("Username"), max_length=150,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password for a new user"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Only when creating a new user; leave empty to give an existing user a role."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))
    role = forms.ChoiceField(label=_("Role"), choices=TOWNSHIP_ROLES)
    village_ids = VillageChoiceField(label=_("Villages served"), queryset=None, required=False,
                                     help_text=_("For a clerk, work team or liaison leader."))
    branch_id = forms.ModelChoiceField(label=_("Branch served"), queryset=None, required=False, empty_label="—",
                                       help_text=_("For a branch secretary / scorer."))
    member_search = forms.CharField(
        label=_("Find the member by name"), required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    member_id = forms.TypedChoiceField(label=_("Member record"), coerce=int, empty_value=None, required=False,
                                       help_text=_("For a Party member's own login."))

    def __init__(self, *args, villages, branches, member_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village_ids"].queryset = villages
        self.fields["branch_id"].queryset = branches
        self.fields["member_id"].choices = [("", "—"), *member_choices]

    def clean(self):
        data = super().clean()
        username = (data.get("username") or "").strip()
        if username:
            exists = User.objects.filter(username__iexact=username).exists()
            if data.get("password") and exists:
                self.add_error("password", NEW_USER_NEEDS_NO_PASSWORD)
            elif not data.get("password") and not exists:
                self.add_error("username", USER_NOT_FOUND)
        return data

    def fields_with_scope(self):
        """[(bound field, scope it belongs to or "")], for the page to show only what the role needs."""
        return [(self[name], self.FIELD_SCOPES.get(name, "")) for name in self.fields]

    @property
    def role_scopes(self) -> dict[str, str]:
        """{role: scope field} for the page script that shows only the scope the role needs."""
        return {value: scope_of(value) for value, _label in TOWNSHIP_ROLES}

    @property
    def scope(self) -> dict:
        """The scope arguments of `role_assign` for the chosen role (others are dropped)."""
        data = self.cleaned_data
        which = scope_of(data.get("role", ""))
        return {
            "village_ids": [v.pk for v in data.get("village_ids") or []] if which == "villages" else [],
            "branch_id": data["branch_id"].pk if which == "branch" and data.get("branch_id") else None,
            "member_id": data.get("member_id") if which == "member" else None,
        }


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label=_("New password"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                   help_text=_("At least 8 characters, not only digits, not a common password."))
    new_password_again = forms.CharField(label=_("New password again"), strip=False,
                                         widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password_again") != data.get("new_password"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


# --- forgotten password --------------------------------------------------------------------------
_NEW_PASSWORD_HELP = _("At least 8 characters, not only digits, not a common password.")
PASSWORDS_DIFFER = _("The two new passwords differ.")


class PasswordResetRequestForm(forms.Form):
    identifier = forms.CharField(
        label=_("Username, e-mail address or mobile phone number"), max_length=150,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username", "spellcheck": "false"}),
    )


class _NewPasswordForm(forms.Form):
    new_password = forms.CharField(label=_("New password"), strip=False, help_text=_NEW_PASSWORD_HELP,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password_again = forms.CharField(label=_("New password again"), strip=False,
                                         widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password_again") != data.get("new_password"):
            self.add_error("new_password_again", PASSWORDS_DIFFER)
        return data


class PasswordResetLinkForm(_NewPasswordForm):
    pass


class PasswordResetCodeForm(_NewPasswordForm):
    identifier = forms.CharField(
        label=_("Username or mobile phone number"), max_length=150,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username", "spellcheck": "false"}),
    )
    code = forms.CharField(label=_("Code from the SMS"), max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    field_order = ["identifier", "code", "new_password", "new_password_again"]


# --- member accounts in bulk ----------------------------------------------------------------------
class MemberAccountsForm(forms.Form):
    """A branch; optionally some of its members (none ticked: every member without an account)."""

    branch = forms.ModelChoiceField(label=_("Branch"), queryset=None, empty_label="—")
    member_ids = forms.TypedMultipleChoiceField(
        label=_("Members without an account"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none to create accounts for every member of the branch who has none."),
    )

    def __init__(self, *args, branches, member_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["member_ids"].choices = list(member_choices)
