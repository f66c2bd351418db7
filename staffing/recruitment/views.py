"""Pages of recruitment: the office's rounds (open, score, publish, hire) and the public,
phone-friendly application page and published ranking (no account; throttled by address)."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from common import clock
from common.decorators import township_access_required
from common.errors import DomainError, apply_to_form, submit_form
from staffing.recruitment import forms, selectors, services, throttle
from staffing.recruitment.models import Application, Round

SAVED = _("Saved.")
THROTTLED = _("Too many applications from this address. Please try again later.")
office_required = township_access_required(selectors.runs_recruitment)


def _mask(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 2, 1) + (name[-1:] if len(name) > 2 else "")


@office_required
def round_list(request):
    form = forms.RoundForm(request.POST or None)

    def action(data):
        return services.round_open(actor=request.user, village_ids=[v.pk for v in data.pop("villages")], **data)

    ok, created = submit_form(request, form, action)
    if ok:
        messages.success(request, SAVED)
        return redirect("recruitment:round", pk=created.pk)
    return render(request, "recruitment/rounds.html", {"rounds": selectors.round_scope(request.access), "form": form})


@office_required
def round_detail(request, pk):
    round_ = get_object_or_404(selectors.round_scope(request.access), pk=pk)
    return render(request, "recruitment/round.html", {
        "round": round_, "applications": selectors.application_scope(request.access).filter(round=round_),
        "accept_form": forms.AcceptForm(initial={"starts_on": clock.today(request.tenant)}),
        "apply_url": request.build_absolute_uri(f"{request.tenant.url_prefix}staffing/apply/{round_.pk}/"),
    })


def _back(request, round_pk, ok, form):
    if ok:
        messages.success(request, SAVED)
    else:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs)
                       or str(_("Please correct the errors below.")))
    return redirect("recruitment:round", pk=round_pk)


@require_POST
@office_required
def scores_view(request, pk):
    app = get_object_or_404(selectors.application_scope(request.access), pk=pk)
    form = forms.ScoresForm(request.POST)
    ok, _r = submit_form(request, form, lambda d: services.scores_enter(
        actor=request.user, application=app, written=d["written"], interview=d["interview"]))
    return _back(request, app.round_id, ok, form)


@require_POST
@office_required
def ranking_publish_view(request, pk):
    round_ = get_object_or_404(selectors.round_scope(request.access), pk=pk)
    try:
        services.ranking_publish(actor=request.user, round_=round_)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, SAVED)
    return redirect("recruitment:round", pk=pk)


@require_POST
@office_required
def accept_view(request, pk):
    app = get_object_or_404(selectors.application_scope(request.access), pk=pk)
    form = forms.AcceptForm(request.POST)
    ok, _r = submit_form(request, form, lambda d: services.offer_accept(actor=request.user, application=app, **d))
    return _back(request, app.round_id, ok, form)


# --- public -----------------------------------------------------------------------------------------
@never_cache
def apply(request, pk):
    round_ = selectors.round_public(pk)
    if round_ is None:
        raise Http404
    today = clock.today(request.tenant)
    is_open = round_.status == Round.Status.OPEN and round_.applications_open <= today <= round_.applications_close
    form = forms.ApplyForm(request.POST or None, request.FILES or None)
    context = {"round": round_, "form": form, "is_open": is_open}
    if request.method == "POST":
        if throttle.blocked(request):
            return render(request, "recruitment/apply.html", {**context, "throttled": THROTTLED}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            throttle.hit(request)
            try:
                services.application_submit(round_=round_, files=request.FILES.getlist("evidence"),
                                            **data)
            except DomainError as exc:
                apply_to_form(form, exc)
                return render(request, "recruitment/apply.html", context, status=400)
            return render(request, "recruitment/apply_done.html", {"round": round_})
        return render(request, "recruitment/apply.html", context, status=400)
    return render(request, "recruitment/apply.html", context)


def ranking_public(request, pk):
    """The published ranking: rank, masked name and scores only."""
    round_ = selectors.round_public(pk)
    if round_ is None or round_.status == Round.Status.OPEN:
        raise Http404
    rows = [{"rank": a.rank, "name": _mask(a.name), "written": a.written_score, "interview": a.interview_score,
             "total": a.total, "offered": a.status in (Application.Status.OFFERED, Application.Status.ACCEPTED)}
            for a in round_.applications.order_by("rank", "pk")]
    return render(request, "recruitment/ranking.html", {"round": round_, "rows": rows})
