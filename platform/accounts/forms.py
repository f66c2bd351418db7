from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.backends import ACCOUNT_LOCKED, user_is_locked


class LoginForm(AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, "locked": ACCOUNT_LOCKED}

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and user_is_locked(username):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        cleaned = super().clean()
        if username and user_is_locked(username):  # this failure locked it
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        return cleaned
