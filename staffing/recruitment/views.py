"""Pages of a township's recruitment: the office's rounds (open, score, publish, record declines,
hire, read applicants' documents) and the public, phone-friendly application page, published ranking
and the candidate's offer page (no account; throttled by address)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from common import clock
from common.decorators import township_access_required
from common.errors import DomainError, submit_form
from staffing.recruitment import flow, forms, pages, selectors, services
from staffing.recruitment.base import DeclinedVia
from staffing.recruitment.models import Round

SAVED = _("Saved.")
THROTTLED = pages.THROTTLED
office_required = township_access_required(selectors.runs_recruitment)
URLS = {name: f"recruitment:{name}" for name in ("scores", "publish", "accept", "decline", "document", "ranking")}


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
    applications = list(selectors.application_scope(request.access).filter(round=round_))
    accept_form = forms.AcceptForm(initial={"starts_on": clock.today(request.tenant)})
    accept_form.fields["village"].queryset = round_.villages.all()
    for a in applications:
        if a.status == a.Status.OFFERED:
            a.accept_form = accept_form
            a.offer_url = request.build_absolute_uri(reverse("recruitment:offer", args=[services.offer_token(a)]))
    return render(request, "recruitment/round.html", {
        "round": round_, "applications": applications, "urls": URLS,
        "apply_url": request.build_absolute_uri(reverse("recruitment:apply", args=[round_.pk])),
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


@require_POST
@office_required
def decline_view(request, pk):
    """The office records that the offered candidate declined; the next one is offered."""
    app = get_object_or_404(selectors.application_scope(request.access), pk=pk)
    try:
        services.offer_decline(actor=request.user, application=app, via=DeclinedVia.OFFICE)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, SAVED)
    return redirect("recruitment:round", pk=app.round_id)


@require_GET
@login_required
def document_view(request, pk):
    """An applicant's document: the township office only; anyone else (a clerk, another role, the
    county, another township's office) gets 404, as if it did not exist."""
    return pages.document_page(get_object_or_404(selectors.document_scope(request.access), pk=pk))


# --- public -----------------------------------------------------------------------------------------
@never_cache
def apply(request, pk):
    round_ = selectors.round_public(pk)
    if round_ is None:
        raise Http404
    is_open = flow.round_is_open(round_, clock.today(request.tenant))
    form = forms.ApplyForm(request.POST or None, request.FILES or None)
    return pages.apply_page(request, round_=round_, form=form, is_open=is_open, submit=lambda data, documents: (
        services.application_submit(round_=round_, files=documents, **data)))


def ranking_public(request, pk):
    """The published ranking: rank, masked name and scores only."""
    round_ = selectors.round_public(pk)
    if round_ is None or round_.status == Round.Status.OPEN:
        raise Http404
    return render(request, "recruitment/ranking.html", {
        "round": round_, "rows": pages.ranking_rows(round_.applications.order_by("rank", "pk"))})


@never_cache
def offer(request, token):
    """The candidate's offer link: see the offer, decline it (the next candidate is offered)."""
    return pages.offer_page(request, application=services.offer_from_token(token), decline=lambda app: (
        services.offer_decline(actor=None, application=app, via=DeclinedVia.LINK)))
