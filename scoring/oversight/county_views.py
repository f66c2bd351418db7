"""County pages of the spot checks (public site, /oversight/): the rollup across townships, the
county's spot-check policy per scoring year and the draws' public value. County admin only."""
from __future__ import annotations

from django import forms as djforms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from common import clock
from common.decorators import access_required
from common.errors import submit_form
from scoring.county import services as county_services
from scoring.county.models import DrawPublicValue, OversightPolicy
from scoring.county.selectors import oversight_policy_get
from scoring.oversight import forms, selectors

POLICY_SAVED = _("Spot-check policy saved.")
VALUE_SAVED = _("Public value entered.")

county_required = access_required(lambda access: access.is_county_admin)


class OversightPolicyForm(djforms.ModelForm):
    class Meta:
        model = OversightPolicy
        fields = list(county_services.OVERSIGHT_FIELDS)


@county_required
def rollup(request):
    from tenants.townships.selectors import township_list_ready

    townships = township_list_ready()
    return render(request, "oversight/county_rollup.html", {"rows": selectors.county_rollup(townships=townships)})


@county_required
def policy(request):
    try:
        year = int(request.GET.get("year") or clock.today().year)
    except ValueError:
        year = clock.today().year
    current = oversight_policy_get(year=year)
    form = OversightPolicyForm(request.POST or None, instance=OversightPolicy(
        **{f: getattr(current, f) for f in county_services.OVERSIGHT_FIELDS}, year=year))
    ok, _row = submit_form(request, form, lambda data: county_services.oversight_policy_update(
        actor=request.user, year=year, **data))
    if ok:
        messages.success(request, POLICY_SAVED)
        return redirect(f"{request.path}?year={year}")
    return render(request, "oversight/county_policy.html", {"form": form, "year": year})


@county_required
def public_values(request):
    form = forms.PublicValueForm(request.POST or None)
    ok, _row = submit_form(request, form, lambda data: county_services.draw_public_value_enter(
        actor=request.user, **data))
    if ok:
        messages.success(request, VALUE_SAVED)
        return redirect(request.path)
    return render(request, "oversight/county_public_values.html", {
        "form": form, "values": DrawPublicValue.objects.order_by("-year", "-month")[:36]})
