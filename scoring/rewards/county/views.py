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
