"""Pages of the favouritism signals: the review list (/t/<code>/oversight/signals/), a flag's
detail with its entries and the decision forms, the township's thresholds, and the county's
rollup (/oversight/signals/ on the public site).

Viewing needs the township office, supervision office, discipline commission or county admin
(403 otherwise); deciding needs one of the first three; thresholds the township office.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.decorators import access_required, township_access_required
from common.errors import DomainError, NotFound, apply_to_form, submit_form
from scoring.favouritism import forms, selectors, services
from scoring.favouritism.models import Signal

DISMISSED = _("Flag dismissed.")
CHECK_DECIDED = _("Decision recorded: open the unannounced check of the village.")
SETTINGS_SAVED = _("Thresholds saved.")

viewer_required = township_access_required(selectors.can_view)
decider_required = township_access_required(services.can_decide)
office_required = township_access_required(lambda access: access.runs_scoring)


def _filters(request) -> dict:
    params = request.GET.copy()
    month = params.pop("month", [""])[-1]
    if month and "-" in month:
        year, _sep, mon = month.partition("-")
        params["year"], params["month"] = year, mon
    elif month:
        params["month"] = month
    if "status" not in request.GET:
        params["status"] = Signal.Status.OPEN
    return params


@viewer_required
def signal_list_view(request):
    params = _filters(request)
    signals = selectors.signal_list(access=request.access, filters=params)
    return render(request, "favouritism/signal_list.html", {
        "page": Paginator(signals, 50).get_page(request.GET.get("page")),
        "statuses": Signal.Status.choices, "kinds": Signal.Kind.choices, "params": params,
        "runs": selectors.run_list()[:12], "can_decide": services.can_decide(request.access),
        "month_value": _month_value(params),
    })


def _month_value(params) -> str:
    try:
        return f"{int(params.get('year')):04d}-{int(params.get('month')):02d}"
    except (TypeError, ValueError):
        return ""


def _signal_or_404(request, pk) -> Signal:
    try:
        return selectors.signal_get(access=request.access, pk=pk)
    except NotFound:
        raise Http404 from None


@viewer_required
def signal_detail(request, pk):
    signal = _signal_or_404(request, pk)
    return render(request, "favouritism/signal_detail.html", {
        "signal": signal, "entries": selectors.signal_entries(access=request.access, signal=signal),
        "dismiss_form": forms.DismissForm(), "check_form": forms.CheckOpenForm(),
        "can_decide": services.can_decide(request.access) and signal.status == Signal.Status.OPEN,
        "check_path": services.unannounced_check_path(township=request.tenant, village_id=signal.village_id)
        if signal.village_id else "",
    })


@require_POST
@decider_required
def signal_dismiss_view(request, pk):
    signal = _signal_or_404(request, pk)
    form = forms.DismissForm(request.POST)
    ok, _result = submit_form(request, form, lambda data: services.signal_dismiss(
        actor=request.user, access=request.access, signal_id=signal.pk, note=data["note"]))
    if ok:
        messages.success(request, DISMISSED)
        return redirect("favouritism:signal_list")
    return render(request, "favouritism/signal_detail.html", {
        "signal": signal, "entries": selectors.signal_entries(access=request.access, signal=signal),
        "dismiss_form": form, "check_form": forms.CheckOpenForm(), "can_decide": True,
    }, status=400)


@require_POST
@decider_required
def signal_check_view(request, pk):
    signal = _signal_or_404(request, pk)
    form = forms.CheckOpenForm(request.POST)
    if form.is_valid():
        try:
            _signal, path = services.signal_check_open(actor=request.user, access=request.access,
                                                        signal_id=signal.pk, note=form.cleaned_data["note"])
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, CHECK_DECIDED)
            return redirect(path)
    return redirect("favouritism:signal_detail", pk=signal.pk)


@office_required
def settings_view(request):
    form = forms.SettingsForm(request.POST or None, instance=services.settings_get())
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(actor=request.user, access=request.access,
                                     **{f: form.cleaned_data[f] for f in services.SETTINGS_FIELDS})
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, SETTINGS_SAVED)
            return redirect("favouritism:signal_list")
    return render(request, "favouritism/settings.html", {"form": form})


@access_required(lambda access: access.is_county_admin)
def county_rollup_view(request):
    rows, totals = selectors.county_rollup(access=request.access)
    return render(request, "favouritism/county_rollup.html", {
        "rows": [(t, [counts.get(k, 0) for k, _label in Signal.Kind.choices], sum(counts.values()))
                 for t, counts in rows],
        "kinds": Signal.Kind.choices,
        "totals": [totals.get(k, 0) for k, _label in Signal.Kind.choices], "total": sum(totals.values()),
    })
