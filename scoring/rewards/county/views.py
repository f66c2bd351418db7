"""County pages of the rewards (public schema), under /rewards/: the honour template of a year (kinds,
points per level, tier thresholds, veto cap, shortlist size), the Party-member Star rule versions (a
change is a new version; the page makes one-group rules, the API any AND/OR groups) and the
shortlists the townships submitted. County admins only."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common import clock
from common.decorators import access_required
from common.errors import DomainError
from scoring.rewards.choices import Condition, Level, Tier
from scoring.rewards.county import selectors, services

SAVED = _("Saved.")
county_required = access_required(lambda access: access.is_county_admin)


def _year(request) -> int:
    value = request.GET.get("year") or request.POST.get("year") or clock.today().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404() from None
    if not 2000 <= year <= 2100:
        raise Http404()
    return year


@county_required
def home(request):
    from scoring.rewards.county.models import HonourTemplate

    year = _year(request)
    template = selectors.honour_template_get(year=year)
    fields = []
    for name in services.TEMPLATE_FIELDS:
        field = HonourTemplate._meta.get_field(name)
        fields.append((name, field.verbose_name, getattr(template, name) if template else field.get_default()))
    return render(request, "rewards_county/home.html", {
        "year": year, "template": template, "fields": fields,
        "rule": selectors.star_rule_for(year=year), "versions": selectors.star_rule_versions(year=year),
        "shortlists": selectors.submitted_shortlists(year=year), "levels": Level.choices, "tiers": Tier.choices,
        "conditions": Condition.choices,
    })


def _redirect(year):
    response = redirect("rewards_county:home")
    response["Location"] += f"?year={year}"
    return response


@require_POST
@county_required
def template_set(request):
    year = _year(request)
    kinds = []
    for line in request.POST.get("kinds", "").splitlines():
        code, _sep, name = line.strip().partition(" ")
        if code:
            kinds.append((code, name.strip()))
    values = {name: request.POST[name] for name in services.TEMPLATE_FIELDS if request.POST.get(name, "") != ""}
    try:
        services.honour_template_set(actor=request.user, year=year, kinds=kinds, **values)
        messages.success(request, SAVED)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _redirect(year)


@require_POST
@county_required
def rule_create(request):
    year, post = _year(request), request.POST
    conditions = []
    for code in post.getlist("conditions"):
        item = {"code": code}
        if code == Condition.HONOURS:
            item.update(min_count=post.get("min_count") or 1, min_level=post.get("min_level", ""),
                        kinds=[k.strip() for k in post.get("kinds", "").split(",") if k.strip()])
        elif code == Condition.TIER:
            item["min_tier"] = post.get("min_tier")
        elif code == Condition.RANK_TOP:
            item["top_percent"] = post.get("top_percent")
        conditions.append(item)
    try:
        services.star_rule_version_create(actor=request.user, year=year, conditions=conditions,
                                          note=post.get("note", ""))
        messages.success(request, SAVED)
    except (DomainError, ValueError) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
    return _redirect(year)


# --- County reward rollups: /rewards/rollup/ ----------------------------------------------------------

def _kind(request) -> str:
    from scoring.rewards.choices import ShortlistKind

    kind = request.GET.get("kind") or request.POST.get("kind") or ShortlistKind.YEAR_END
    if kind not in ShortlistKind.values:
        raise Http404()
    return kind


def _rollup_redirect(year, kind):
    response = redirect("rewards_county:rollup")
    response["Location"] += f"?year={year}&kind={kind}"
    return response


@county_required
def rollup(request):
    from scoring.rewards.choices import ShortlistKind
    from scoring.rewards.county.models import RewardPolicy

    year, kind = _year(request), _kind(request)
    run = selectors.rollup_runs(year=year).filter(kind=kind).first()
    policy = selectors.reward_policy_get(year=year)
    rows = list(selectors.rollup_townships(run=run)) if run else []
    ok = [row for row in rows if row.ok]
    chart = {"labels": [row.township.name for row in ok],
             "datasets": [{"label": str(_("Budget share")), "data": [float(row.share) for row in ok]},
                          {"label": str(_("Special fund share")), "data": [float(row.special_share) for row in ok]}]}
    policy_fields = [(name, RewardPolicy._meta.get_field(name).verbose_name,
                      getattr(policy, name) if policy else RewardPolicy._meta.get_field(name).get_default())
                     for name in services.POLICY_FIELDS]
    return render(request, "rewards_county/rollup.html", {
        "year": year, "kind": kind, "kinds": ShortlistKind.choices, "run": run, "rows": rows,
        "failed": [row for row in rows if not row.ok], "chart": chart, "policy": policy,
        "policy_fields": policy_fields, "candidates": selectors.rollup_candidates(run=run) if run else [],
    })


@require_POST
@county_required
def policy_set(request):
    year, kind = _year(request), _kind(request)
    values = {name: request.POST.get(name, "") for name in services.POLICY_FIELDS}
    try:
        services.reward_policy_set(actor=request.user, year=year, **values)
        messages.success(request, SAVED)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _rollup_redirect(year, kind)


@require_POST
@county_required
def rollup_start(request):
    year, kind = _year(request), _kind(request)
    try:
        services.rollup_run(actor=request.user, year=year, kind=kind)
        messages.success(request, _("The rollup has been collected."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _rollup_redirect(year, kind)


@require_POST
@county_required
def rollup_approve(request, pk):
    run = selectors.rollup_get(pk=pk)
    if run is None:
        raise Http404()
    try:
        services.rollup_approve(actor=request.user, run=run, note=request.POST.get("note", ""))
        messages.success(request, _("The allocation is approved and locked."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _rollup_redirect(run.year, run.kind)


@county_required
def rollup_export(request, pk):
    from django.http import HttpResponse

    from common.excel import ExportWorkbook
    from scoring.rewards.choices import Tier

    run = selectors.rollup_get(pk=pk)
    if run is None:
        raise Http404()
    tiers = [str(label) for _value, label in Tier.choices]
    book = ExportWorkbook().sheet(str(_("Townships")), [
        str(_("Rank")), str(_("Township")), str(_("Active members")), *tiers, str(_("Eligible Party-member Stars")),
        str(_("Shortlist candidates")), str(_("Outstanding branches")), str(_("Fair scorers")),
        str(_("Award bars")), str(_("Weight")), str(_("Budget share")), str(_("Special fund share")),
        str(_("Error"))])
    for row in selectors.rollup_townships(run=run):
        book.append([row.rank, row.township.name, row.members, *(row.tiers or [None] * len(tiers)), row.stars,
                     row.candidates, row.branches, row.fair_scorers, row.barred, row.weight, row.share,
                     row.special_share, row.error])
    book.sheet(str(_("County list")), [str(_("Township")), str(_("Member")), str(_("Branch")), str(_("Tier")),
                                       str(_("Party-member Star eligible")), str(_("On the township's shortlist"))])
    labels = dict(Tier.choices)
    for c in selectors.rollup_candidates(run=run):
        book.append([c.township.name, c.member_name, c.branch_name, str(labels.get(c.tier, "")),
                     str(_("yes")) if c.eligible else str(_("no")), str(_("yes")) if c.shortlisted else str(_("no"))])
    response = HttpResponse(book.to_bytes(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="rollup-{run.kind}-{run.year}.xlsx"'
    return response
