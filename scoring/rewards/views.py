"""Pages of the rewards, under /t/<code>/rewards/: honours (enter, verify, reject, revoke), the star
tiers and the Party-member Star funnel with charts (figures also as tables), per-member explanations,
and the award shortlists (generate, edit with reasons, Excel, print, submit to the county)."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common import clock
from common.decorators import township_access_required
from common.errors import DomainError
from common.excel import ExportWorkbook
from scoring.choices import Rating
from scoring.ledger.evidence import evidence_response
from scoring.rewards import selectors, services
from scoring.rewards.choices import Level, ShortlistKind, Tier
from scoring.rewards.county.selectors import honour_template_get, star_rule_for, township_allocations
from scoring.rewards.models import Honour, ShortlistEdit

SAVED = _("Saved.")
# Who may open the honours pages at all: anyone who enters points or sees the township.
honours_access = township_access_required(lambda a: a.can_enter_points or a.is_township_wide)
office_view = township_access_required(lambda a: a.is_township_wide)
office_required = township_access_required(lambda a: a.runs_scoring)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404() from None


def _year(request) -> int:
    value = request.GET.get("year") or request.POST.get("year")
    if value:
        year = _int(value)
        if not 2000 <= year <= 2100:
            raise Http404()
        return year
    return services.scoring_year_of(clock.today())


def _run(request, action, target, *args):
    try:
        action()
        messages.success(request, SAVED)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(target, *args)


# --- overview: tiers and funnel ---------------------------------------------------------------------------
@office_view
def home(request):
    year = _year(request)
    distribution = selectors.tier_distribution(year=year)
    total, steps = selectors.star_funnel(year=year)
    tier_chart = {"labels": [row["label"] for row in distribution],
                  "datasets": [{"label": _g("Members"), "data": [row["members"] for row in distribution]}]}
    funnel_chart = {"labels": [_g("Evaluated")] + [s.condition for s in steps],
                    "datasets": [{"label": _g("Members left"), "data": [total] + [s.remaining for s in steps]},
                                 {"label": _g("Members meeting this condition"),
                                  "data": [total] + [s.holds for s in steps]}]}
    return render(request, "rewards/home.html", {
        "year": year, "distribution": distribution, "tier_chart": tier_chart, "funnel_chart": funnel_chart,
        "funnel_total": total, "steps": steps, "evaluation": selectors.evaluation(year=year),
        "rule": star_rule_for(year=year), "template": honour_template_get(year=year),
        "eligible": selectors.star_results(year=year, eligible=True),
        "pending": Honour.objects.filter(status=Honour.Status.PENDING).count(),
        # The county's rollups of this township (public schema): its rank and shares.
        "allocations": township_allocations(township_id=request.tenant.pk).filter(run__year=year),
    })


@require_POST
@office_required
def star_evaluate_view(request):
    year = _year(request)
    return _run(request, lambda: services.star_evaluate(actor=request.user, year=year), "rewards:home")


@office_view
def star_results_view(request):
    year = _year(request)
    only = request.GET.get("eligible")
    results = selectors.star_results(year=year, eligible={"1": True, "0": False}.get(only))
    return render(request, "rewards/stars.html", {"year": year, "results": results[:500],
                                                  "evaluation": selectors.evaluation(year=year), "only": only})


# --- honours ----------------------------------------------------------------------------------------------
@honours_access
def honour_list(request):
    access = request.access
    status = request.GET.get("status", "")
    honours = selectors.honour_scope(access)
    if status in Honour.Status.values:
        honours = honours.filter(status=status)
    year = _year(request)
    template = honour_template_get(year=year)
    from tenants.organisation.models import Member
    from tenants.organisation.selectors import member_scope

    members = member_scope(access).filter(status=Member.Status.ACTIVE).select_related("branch").order_by(
        "branch__name", "name")[:2000] if access.can_enter_points else []
    return render(request, "rewards/honour_list.html", {
        "honours": honours[:500], "status": status, "statuses": Honour.Status.choices, "template": template,
        "levels": Level.choices, "members": members, "today": clock.today(), "year": year,
    })


@require_POST
@honours_access
def honour_create_view(request):
    try:
        awarded_on = dt.date.fromisoformat(request.POST.get("awarded_on", ""))
    except ValueError:
        messages.error(request, _g("Enter the award date."))
        return redirect("rewards:honours")
    return _run(request, lambda: services.honour_create(
        actor=request.user, access=request.access, member_id=_int(request.POST.get("member")),
        kind_code=request.POST.get("kind", ""), level=request.POST.get("level", ""),
        issuer=request.POST.get("issuer", ""), awarded_on=awarded_on, title=request.POST.get("title", ""),
        certificates=request.FILES.getlist("certificates")), "rewards:honours")


def _honour(request, pk) -> Honour:
    honour = selectors.honour_get(access=request.access, pk=pk)
    if honour is None:
        raise Http404()
    return honour


@honours_access
def honour_detail(request, pk):
    honour = _honour(request, pk)
    return render(request, "rewards/honour_detail.html", {"honour": honour})


@honours_access
def honour_certificate(request, pk, certificate_pk):
    certificate = _honour(request, pk).certificates.filter(pk=certificate_pk).first()
    if certificate is None:
        raise Http404()
    return evidence_response(certificate)


@require_POST
@office_required
def honour_action(request, pk, action):
    _honour(request, pk)
    reason = request.POST.get("reason", "")
    actions = {
        "verify": lambda: services.honour_verify(actor=request.user, access=request.access, honour_id=pk),
        "reject": lambda: services.honour_reject(actor=request.user, access=request.access, honour_id=pk,
                                                 reason=reason),
        "revoke": lambda: services.honour_revoke(actor=request.user, access=request.access, honour_id=pk,
                                                 reason=reason),
    }
    if action not in actions:
        raise Http404()
    return _run(request, actions[action], "rewards:honour", pk)


# --- shortlists -------------------------------------------------------------------------------------------
@office_view
def shortlist_list(request):
    return render(request, "rewards/shortlist_list.html", {
        "shortlists": selectors.shortlists(), "kinds": ShortlistKind.choices, "year": _year(request)})


@require_POST
@office_required
def shortlist_generate_view(request):
    year = _year(request)

    def action():
        shortlist = services.shortlist_generate(actor=request.user, access=request.access,
                                                kind=request.POST.get("kind", ""), year=year)
        request._shortlist = shortlist

    response = _run(request, action, "rewards:shortlists")
    if getattr(request, "_shortlist", None) is not None:
        return redirect("rewards:shortlist", request._shortlist.pk)
    return response


def _shortlist(request, pk):
    shortlist = selectors.shortlist_get(pk=pk)
    if shortlist is None:
        raise Http404()
    return shortlist


def _trail(shortlist):
    candidates = list(selectors.shortlist_candidates(shortlist=shortlist))
    honours = selectors.honours_by_id({h for c in candidates for h in c.honour_ids})
    for candidate in candidates:
        candidate.honour_list = [honours[h] for h in candidate.honour_ids if h in honours]
    return candidates


@office_view
def shortlist_detail(request, pk):
    from tenants.organisation.models import Member

    shortlist = _shortlist(request, pk)
    members = Member.objects.filter(status=Member.Status.ACTIVE).select_related("branch").order_by("branch__name",
                                                                                                   "name")
    return render(request, "rewards/shortlist_detail.html", {
        "shortlist": shortlist, "candidates": _trail(shortlist), "ratings": dict(Rating.choices),
        "tiers": dict(Tier.choices), "members": members[:3000] if shortlist.status == "draft" else []})


@office_view
def shortlist_print(request, pk):
    shortlist = _shortlist(request, pk)
    candidates = [c for c in _trail(shortlist) if c.included]
    return render(request, "rewards/shortlist_print.html", {
        "shortlist": shortlist, "candidates": candidates, "ratings": dict(Rating.choices), "tiers": dict(Tier.choices),
        "printed_at": clock.now()})


@office_view
def shortlist_export(request, pk):
    shortlist = _shortlist(request, pk)
    ratings, tiers = dict(Rating.choices), dict(Tier.choices)
    book = ExportWorkbook().sheet(f"{shortlist.year}-{shortlist.kind}", [
        _g("Position"), _g("On the shortlist"), _g("Member"), _g("Branch"), _g("Tier"), _g("Party-member Star eligible"),
        _g("Points this year"), _g("Best monthly rank in branch"), _g("Months in the top three"), _g("Annual rating"),
        _g("Honours"), _g("Why shortlisted"), _g("Office edits")])
    for c in _trail(shortlist):
        book.append([c.position, _g("yes") if c.included else _g("no"), c.member.name, c.member.branch.name,
                     str(tiers.get(c.tier, "")), _g("yes") if c.eligible else _g("no"), c.year_points, c.best_rank,
                     c.months_top3, str(ratings.get(c.rating, "")),
                     "；".join(f"{h.kind_name}《{h.title}》{h.get_level_display()}" for h in c.honour_list), c.reason,
                     "；".join(f"{e.get_action_display()}：{e.reason}" for e in c.edits.all())])
    response = HttpResponse(book.to_bytes(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="shortlist-{shortlist.kind}-{shortlist.year}.xlsx"'
    return response


@require_POST
@office_required
def shortlist_edit_view(request, pk):
    _shortlist(request, pk)
    action = request.POST.get("action", "")
    if action not in ShortlistEdit.Action.values:
        raise Http404()
    return _run(request, lambda: services.shortlist_edit(
        actor=request.user, access=request.access, shortlist_id=pk, member_id=_int(request.POST.get("member")),
        action=action, reason=request.POST.get("reason", "")), "rewards:shortlist", pk)


@require_POST
@office_required
def shortlist_submit_view(request, pk):
    _shortlist(request, pk)
    return _run(request, lambda: services.shortlist_submit(actor=request.user, access=request.access,
                                                            shortlist_id=pk), "rewards:shortlist", pk)
