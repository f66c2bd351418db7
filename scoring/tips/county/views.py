"""County pages (public schema) for tips routed to the county and the rollup of tips by status
per township: /oversight/tips/. County admins only."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.decorators import access_required
from common.errors import DomainError, NotFound, apply_to_form
from scoring.tips import forms
from scoring.tips.base import TRANSITIONS, TipStatus
from scoring.tips.county import services
from scoring.tips.county.selectors import can_handle_county_tips, county_tip_get, county_tip_list, tips_rollup
from scoring.tips.selectors import people_names

SAVED = _("Saved.")

county_required = access_required(can_handle_county_tips)


@county_required
def county_tip_list_view(request):
    status = request.GET.get("status", "")
    return render(request, "tips_county/tip_list.html", {
        "tips": county_tip_list(access=request.access, status=status if status in TipStatus.values else "")[:200],
        "rollup": tips_rollup(access=request.access), "statuses": TipStatus.choices, "status": status})


def _detail(request, tip, bound=None, status=200):
    status_form = forms.StatusForm()
    status_form.fields["status"].choices = [(s, TipStatus(s).label) for s in TipStatus.values
                                            if s in TRANSITIONS[TipStatus(tip.status)]]
    context = {"tip": tip, "status_form": status_form, "note_form": forms.TextForm(),
               "message_form": forms.TextForm(),
               "people": people_names([n.author_id for n in tip.notes.all()] + [m.author_id for m in tip.messages.all()])}
    context.update(bound or {})
    return render(request, "tips_county/tip_detail.html", context, status=status)


def _tip_or_404(request, pk):
    try:
        return county_tip_get(access=request.access, pk=pk)
    except NotFound:
        raise Http404 from None


@county_required
def county_tip_detail(request, pk):
    return _detail(request, _tip_or_404(request, pk))


ACTIONS = {
    "status": (forms.StatusForm, lambda r, pk, d: services.county_tip_status_set(
        actor=r.user, access=r.access, tip_id=pk, status=d["status"], outcome=d["outcome"])),
    "note": (forms.TextForm, lambda r, pk, d: services.county_tip_note_add(
        actor=r.user, access=r.access, tip_id=pk, body=d["body"])),
    "message": (forms.TextForm, lambda r, pk, d: services.county_tip_message(
        actor=r.user, access=r.access, tip_id=pk, body=d["body"])),
}


@require_POST
@county_required
def county_tip_action(request, pk, action):
    tip = _tip_or_404(request, pk)
    if action not in ACTIONS:
        raise Http404
    form_class, run = ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(request, tip.pk, form.cleaned_data)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, SAVED)
            return redirect("tips_county:tip-detail", pk=tip.pk)
    return _detail(request, _tip_or_404(request, pk), bound={f"{action}_form": form}, status=400)
