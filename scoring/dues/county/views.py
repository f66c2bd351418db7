"""The county admin sets the dues rule; everyone signed in may read it."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, apply_to_form
from scoring.dues.county import services
from scoring.dues.county.selectors import dues_policy_get
from scoring.dues.forms import PolicyForm

SAVED = _("Saved.")


@login_required
def policy(request):
    if not request.access.is_county_admin:
        raise PermissionDenied
    current = dues_policy_get()
    form = PolicyForm(request.POST or None, initial={name: getattr(current, name) for name in services.FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            services.dues_policy_update(actor=request.user, access=request.access, **form.cleaned_data)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, SAVED)
            return redirect("dues_county:policy")
    return render(request, "dues_county/policy.html", {"form": form}, status=400 if form.errors else 200)
