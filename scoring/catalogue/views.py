"""A township's catalogue pages: adopt the county template, see and localise the rules, grant base scores.

Reading needs a township role that sees lists (or county admin); writes need `access.runs_scoring`
(the township office). Anyone without a role in the township gets 403.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.decorators import township_access_required
from common.errors import DomainError, NotFound, apply_to_form
from scoring.catalogue import forms, selectors, services
from scoring.county.models import TemplateCatalogue, TemplateItem
from scoring.county.selectors import county_policy_get

YEAR_ADOPTED = _("Scoring year %(year)s adopted with %(count)s items.")
RULE_LOCALISED = _("Item %(code)s changed from %(date)s (version %(version)s).")
BASE_GRANTED = _("Base score granted to %(count)s members.")


catalogue_viewer_required = township_access_required(lambda access: access.sees_member_lists or access.runs_scoring)


scoring_office_required = township_access_required(lambda access: access.runs_scoring)


def _year_or_404(year):
    try:
        return selectors.scoring_year_get(year=year)
    except NotFound:
        raise Http404 from None


@catalogue_viewer_required
def catalogue_home(request):
    years = list(selectors.scoring_year_list())
    if not years:
        return render(request, "scoring_catalogue/empty.html", {})
    today = services.township_today()
    current = next((y for y in years if y.starts_on <= today <= y.ends_on), years[0])
    return redirect("scoring_catalogue:year_detail", year=current.year)


@catalogue_viewer_required
def year_detail(request, year):
    scoring_year = _year_or_404(year)
    form = forms.RulesOnForm(request.GET or None)
    on = (form.cleaned_data.get("on") if form.is_valid() else None) or services.township_today()
    if not scoring_year.starts_on <= on <= scoring_year.ends_on:
        on = scoring_year.starts_on if on < scoring_year.starts_on else scoring_year.ends_on
    template = TemplateCatalogue.objects.filter(pk=scoring_year.template_id).first()
    return render(request, "scoring_catalogue/year_detail.html", {
        "scoring_year": scoring_year, "years": selectors.scoring_year_list(), "form": form, "on": on,
        "rules": selectors.rules_in_force(on=on).filter(scoring_year=scoring_year),
        "inactive": selectors.rule_versions(scoring_year=scoring_year).filter(is_active=False),
        "versions": selectors.rule_versions(scoring_year=scoring_year),
        "diffs": selectors.catalogue_diff(scoring_year=scoring_year), "template": template,
        "weights": [(lvl, scoring_year.review_weights.get(lvl)) for lvl in scoring_year.review_levels],
    })


@scoring_office_required
def adopt(request):
    templates = TemplateCatalogue.objects.filter(is_published=True).order_by("-year")
    policy = county_policy_get()
    today = services.township_today()
    initial = {"year": services.scoring_year_label_for(on=today, start_month=policy.year_start_month)}
    form = forms.AdoptForm(request.POST or None, templates=templates, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            scoring_year = services.scoring_year_adopt(actor=request.user, **form.cleaned_for_service())
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, YEAR_ADOPTED % {"year": scoring_year.year,
                                                      "count": scoring_year.rules.count()})
            return redirect("scoring_catalogue:year_detail", year=scoring_year.year)
    return render(request, "scoring_catalogue/form.html", {
        "form": form, "title": _("Adopt the county catalogue"), "policy": policy,
    })


@scoring_office_required
def rule_localise(request, year, code):
    scoring_year = _year_or_404(year)
    try:
        latest = selectors.rule_latest(scoring_year=scoring_year, code=code)
    except NotFound:
        raise Http404 from None
    item = TemplateItem.objects.filter(pk=latest.template_item_id).first()
    initial = {name: getattr(latest, name) for name in selectors.LOCALISED_FIELDS}
    initial["effective_from"] = max(services.township_today(), scoring_year.starts_on)
    form = forms.LocaliseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_localise(actor=request.user, scoring_year=scoring_year, code=code,
                                          **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, RULE_LOCALISED % {"code": rule.code, "date": rule.effective_from,
                                                        "version": rule.version})
            return redirect("scoring_catalogue:year_detail", year=scoring_year.year)
    return render(request, "scoring_catalogue/form.html", {
        "form": form, "title": _("Localise item %(code)s") % {"code": code}, "rule": latest, "item": item,
        "scoring_year": scoring_year,
    })


@require_POST
@scoring_office_required
def base_scores_run(request, year):
    scoring_year = _year_or_404(year)
    try:
        count = services.base_scores_grant(scoring_year=scoring_year.year, today=services.township_today(),
                                           actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, BASE_GRANTED % {"count": count})
    return redirect("scoring_catalogue:year_detail", year=scoring_year.year)
