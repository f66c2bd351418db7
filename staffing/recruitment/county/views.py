"""Pages of the county's county-wide recruitment (/staffing/recruitment/, county office only): open a
round with posts in townships, score, publish, record declines, hire into the chosen township, read
applicants' documents; and the public pages (/staffing/apply/...: apply for a township post, the
published ranking, the candidate's offer link), phone-friendly, no account, throttled per address."""
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
from common.decorators import access_required
from common.errors import DomainError, submit_form
from staffing.recruitment import flow, pages
from staffing.recruitment.base import DeclinedVia, RoundStatus
from staffing.recruitment.county import forms, selectors, services
from staffing.recruitment.forms import ScoresForm

SAVED = _("Saved.")
county_required = access_required(selectors.runs_county_recruitment)
URLS = {name: f"recruitment_county:{name}" for name in ("scores", "publish", "accept", "decline", "document",
                                                         "ranking")}


def _townships():
    from tenants.townships.selectors import township_list_ready

    return township_list_ready().order_by("code")


@county_required
def round_list(request):
    form = forms.CountyRoundForm(request.POST or None, townships=_townships())

    def action(data):
        fields = {name: data[name] for name in forms.ROUND_FIELDS if data.get(name) is not None}
        return services.county_round_open(actor=request.user, posts=form.posts(), **fields)

    ok, created = submit_form(request, form, action)
    if ok:
        messages.success(request, SAVED)
        return redirect("recruitment_county:round", pk=created.pk)
    return render(request, "recruitment/rounds.html", {
        "rounds": selectors.county_round_scope(request.access), "form": form, "round_url": "recruitment_county:round"})


@county_required
def round_detail(request, pk):
    round_ = get_object_or_404(selectors.county_round_scope(request.access), pk=pk)
    applications = list(selectors.county_application_scope(request.access).filter(round=round_))
    offered = [a for a in applications if a.status == a.Status.OFFERED]
    # The villages of every township with an open offer, in one statement (not one per township).
    villages = selectors.post_villages({a.post_id: a.post for a in offered}.values())
    for a in offered:
        a.accept_form = forms.CountyAcceptForm(villages=villages[a.post_id], initial={"starts_on": clock.today()})
        a.offer_url = request.build_absolute_uri(
            reverse("recruitment_county:offer", args=[services.county_offer_token(a)]))
    return render(request, "recruitment/round.html", {
        "round": round_, "township_posts": selectors.county_posts(round_), "applications": applications,
        "urls": URLS, "apply_url": request.build_absolute_uri(reverse("recruitment_county:apply", args=[round_.pk]))})


def _back(request, round_pk, ok, form):
    if ok:
        messages.success(request, SAVED)
    else:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs)
                       or str(_("Please correct the errors below.")))
    return redirect("recruitment_county:round", pk=round_pk)


def _application(request, pk):
    return get_object_or_404(selectors.county_application_scope(request.access), pk=pk)


@require_POST
@county_required
def scores_view(request, pk):
    app = _application(request, pk)
    form = ScoresForm(request.POST)
    ok, _r = submit_form(request, form, lambda d: services.county_scores_enter(
        actor=request.user, application=app, written=d["written"], interview=d["interview"]))
    return _back(request, app.round_id, ok, form)


@require_POST
@county_required
def ranking_publish_view(request, pk):
    round_ = get_object_or_404(selectors.county_round_scope(request.access), pk=pk)
    try:
        services.county_ranking_publish(actor=request.user, round_=round_)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, SAVED)
    return redirect("recruitment_county:round", pk=pk)


@require_POST
@county_required
def accept_view(request, pk):
    app = _application(request, pk)
    form = forms.CountyAcceptForm(request.POST, villages=selectors.post_villages([app.post])[app.post_id])
    ok, _r = submit_form(request, form, lambda d: services.county_offer_accept(
        actor=request.user, application=app, **d))
    return _back(request, app.round_id, ok, form)


@require_POST
@county_required
def decline_view(request, pk):
    app = _application(request, pk)
    try:
        services.county_offer_decline(actor=request.user, application=app, via=DeclinedVia.OFFICE)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, SAVED)
    return redirect("recruitment_county:round", pk=app.round_id)


@require_GET
@login_required
def document_view(request, pk):
    """An applicant's document of a county round: the county office only; anyone else 404."""
    return pages.document_page(get_object_or_404(selectors.county_document_scope(request.access), pk=pk))


# --- public -----------------------------------------------------------------------------------------
@never_cache
def apply(request, pk):
    round_ = selectors.county_round_public(pk)
    if round_ is None:
        raise Http404
    form = forms.CountyApplyForm(request.POST or None, request.FILES or None, round_=round_)

    def submit(data, documents):
        post = data.pop("post")
        return services.county_application_submit(round_=round_, post_id=post.pk, files=documents, **data)

    return pages.apply_page(request, round_=round_, form=form, is_open=flow.round_is_open(round_, clock.today()),
                            submit=submit, context={"township_posts": selectors.county_posts(round_)})


def ranking_public(request, pk):
    round_ = selectors.county_round_public(pk)
    if round_ is None or round_.status == RoundStatus.OPEN:
        raise Http404
    rows = pages.ranking_rows(round_.applications.select_related("post__township")
                              .order_by("post__township__code", "rank", "pk"))
    return render(request, "recruitment/ranking.html", {"round": round_, "rows": rows, "by_post": True})


@never_cache
def offer(request, token):
    app = services.county_offer_from_token(token)
    return pages.offer_page(
        request, application=app, post_label=str(app.post.township.name) if app else "",
        decline=lambda a: services.county_offer_decline(actor=None, application=a, via=DeclinedVia.LINK))
