"""Spot-check pages of one township (/t/<code>/oversight/): policy, draws with everything needed
to verify them, checks (a phone-friendly checklist for the team), unannounced checks and the
monthly report (printable, Excel). Who sees what: `scoring.oversight.selectors`."""
from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common import clock
from common.decorators import township_access_required
from common.errors import DomainError, submit_form
from common.excel import xlsx_response
from scoring.oversight import forms, selectors, services
from scoring.oversight.exports import month_report_workbook
from scoring.oversight.models import Check, Draw
from scoring.oversight.policy import policy_effective
from tenants.organisation.models import Village

CHECK_OPENED = _("Unannounced check opened.")
FINDING_SAVED = _("Finding recorded.")
CHECK_COMPLETED = _("Check completed.")
SHARE_SAVED = _("Share saved.")
TEAM_ADDED = _("Added to the team.")

runs_checks = township_access_required(services.can_run_checks)
any_role = township_access_required(lambda access: True)


def _check_or_404(request, pk) -> Check:
    check = selectors.check_list(access=request.access).filter(pk=pk).first()
    if check is None:
        raise Http404
    return check


@any_role
def home(request):
    access = request.access
    today = clock.today()
    return render(request, "oversight/home.html", {
        "draws": selectors.draw_list(access=access)[:24],
        "checks": [(c, selectors.check_is_overdue(c, today)) for c in selectors.check_list(access=access)[:100]],
        "runs_checks": services.can_run_checks(access), "today": today,
    })


@runs_checks
def policy_view(request):
    year = clock.today().year
    form = forms.TownshipShareForm(request.POST or None, initial={"year": year})
    ok, _row = submit_form(request, form, lambda data: services.township_policy_set(
        actor=request.user, access=request.access, year=data["year"], share=data["min_share"]))
    if ok:
        messages.success(request, SHARE_SAVED)
        return redirect("oversight:policy")
    return render(request, "oversight/policy.html", {"policy": policy_effective(year=year), "year": year,
                                                     "form": form, "can_edit": request.access.runs_scoring})


def _draw_or_404(request, pk) -> Draw:
    draw = selectors.draw_list(access=request.access).filter(pk=pk).first()
    if draw is None:
        raise Http404
    return draw


@any_role
def draw_detail(request, pk):
    draw = _draw_or_404(request, pk)
    return render(request, "oversight/draw_detail.html", {
        "draw": draw, "data": services.draw_json(draw) if draw.status == Draw.Status.DRAWN else None,
        "checks": draw.checks.select_related("village"),
    })


@any_role
def draw_json_view(request, pk):
    draw = _draw_or_404(request, pk)
    if draw.status != Draw.Status.DRAWN:
        raise Http404
    response = HttpResponse(json.dumps(services.draw_json(draw), ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.year}-{draw.month:02d}.json"'
    return response


@any_role
def check_detail(request, pk):
    check = _check_or_404(request, pk)
    entries = selectors.check_entries(check)
    findings = {f.entry_id: f for f in check.findings.select_related("correction")}
    rows = []
    for cm in check.members.select_related("member", "member__branch"):
        rows.append({"cm": cm, "entries": [(e, findings.get(e.pk), forms.FindingForm(
            initial={"entry_id": e.pk}, prefix=f"e{e.pk}")) for e in entries.get(cm.member_id, [])]})
    discrepancies = any(f.result == "discrepancy" for f in findings.values())
    return render(request, "oversight/check_detail.html", {
        "check": check, "rows": rows, "team": check.team.all(), "overdue": selectors.check_is_overdue(check),
        "may_work": services.may_work_on(check, request.access), "runs_checks": services.can_run_checks(request.access),
        "team_form": forms.TeamAddForm(), "discrepancies": discrepancies,
        "sanction_url": f"{reverse('tips:sanction-create')}?source=check:{check.pk}&village={check.village_id}"
                        if discrepancies else "",
    })


@require_POST
@any_role
def finding_create(request, pk):
    check = _check_or_404(request, pk)
    entry_id = request.POST.get("entry_id", "")
    form = forms.FindingForm(request.POST, request.FILES, prefix=f"e{entry_id}" if entry_id.isdigit() else None)
    if not form.is_valid():
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
        return redirect("oversight:check-detail", pk=check.pk)
    data = form.cleaned_data
    try:
        services.finding_record(actor=request.user, access=request.access, check_id=check.pk,
                                entry_id=data["entry_id"], result=data["result"], reason=data["reason"],
                                note=data["note"], points=data["points"],
                                photos=request.FILES.getlist(f"e{entry_id}-photos"))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, FINDING_SAVED)
    return redirect("oversight:check-detail", pk=check.pk)


@require_POST
@any_role
def check_complete_view(request, pk):
    check = _check_or_404(request, pk)
    try:
        services.check_complete(actor=request.user, access=request.access, check_id=check.pk)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, CHECK_COMPLETED)
    return redirect("oversight:check-detail", pk=check.pk)


@require_POST
@runs_checks
def team_add_view(request, pk):
    check = _check_or_404(request, pk)
    form = forms.TeamAddForm(request.POST)
    if form.is_valid():
        try:
            services.check_team_add(actor=request.user, access=request.access, check_id=check.pk,
                                    user_id=form.cleaned_data["user_id"])
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, TEAM_ADDED)
    return redirect("oversight:check-detail", pk=check.pk)


@runs_checks
def check_unannounced(request):
    villages = Village.objects.order_by("code")
    initial = {"village": request.GET.get("village")} if request.GET.get("village", "").isdigit() else {}
    form = forms.UnannouncedForm(request.POST or None, villages=villages, initial=initial)
    ok, check = submit_form(request, form, lambda data: services.check_unannounced_open(
        actor=request.user, access=request.access, village_id=data["village"], note=data["note"]))
    if ok:
        messages.success(request, CHECK_OPENED)
        return redirect("oversight:check-detail", pk=check.pk)
    return render(request, "oversight/unannounced.html", {"form": form})


@runs_checks
def report(request, year, month):
    if not 1 <= month <= 12:
        raise Http404
    data = selectors.month_report(year=year, month=month)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(month_report_workbook(year=year, month=month, data=data),
                             f"spot-checks-{year}-{month:02d}.xlsx")
    return render(request, "oversight/report.html", {**data, "print": request.GET.get("print") == "1"})


@runs_checks
def report_latest(request):
    today = clock.today()
    year, month = services.previous_month(today.year, today.month)
    return redirect("oversight:report", year=year, month=month)

