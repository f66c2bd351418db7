"""Report pages of a township, under /t/<code>/reports/ (phone-first).

A member away: their home (items in force for them, what is due this quarter, their reports) and
the submit form. Clerks, branch secretaries and the township office: the queue of reports in
their scope, accept or return; the office: which catalogue item reports earn. Anyone who sees
branches: the yearly archive per branch (reports and dues) and its Excel export.
"""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from common.decorators import township_access_required
from common.errors import DomainError, NotFound, apply_to_form
from scoring.ledger.evidence import evidence_response
from scoring.ledger.selectors import township_today
from scoring.reports import archive as archive_export_builder
from scoring.reports import forms, services
from scoring.reports.models import Report
from scoring.reports.selectors import (
    can_read_reports,
    can_review_reports,
    is_away,
    member_due,
    report_get,
    report_list,
    report_photo_get,
    report_rules,
)
from tenants.organisation.models import Member
from tenants.organisation.selectors import branch_scope

SUBMITTED = _("Your report has been sent to your branch.")
ACCEPTED = _("Accepted: a points entry has been proposed and goes through review.")
RETURNED = _("The report has been returned to the member.")
SAVED = _("Saved.")

readers_required = township_access_required(can_read_reports)
reviewers_required = township_access_required(can_review_reports)
archive_required = township_access_required(lambda access: access.sees_branches or access.is_county_admin)


@readers_required
def home(request):
    from scoring.catalogue.selectors import rules_in_force

    access = request.access
    today = township_today()
    context = {"can_review": can_review_reports(access), "today": today}
    member = Member.objects.filter(pk=access.member_id).first() if access.member_id else None
    if member is not None:
        context.update({
            "member": member, "away": is_away(member),
            "rules": list(rules_in_force(on=today, member=member)),
            "due": member_due(member=member, today=today) if is_away(member) else [],
            "mine": report_list(access=access, member_id=member.pk)[:50],
        })
    if context["can_review"]:
        status = request.GET.get("status", Report.Status.SUBMITTED)
        context.update({"status": status, "statuses": Report.Status.choices,
                        "queue": report_list(access=access, status=status).exclude(member_id=access.member_id)[:200]})
    return render(request, "reports/home.html", context)


@readers_required
def report_new(request):
    form = forms.ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_submit(actor=request.user, access=request.access, kind=data["kind"],
                                            title=data["title"], body=data["body"], photos=data["photos"])
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, SUBMITTED)
            return redirect("reports:detail", pk=report.pk)
    return render(request, "reports/new.html", {"form": form}, status=400 if form.errors else 200)


def _report_or_404(request, pk):
    try:
        return report_get(access=request.access, pk=pk)
    except NotFound:
        raise Http404 from None


@readers_required
def report_detail(request, pk, accept_form=None, return_form=None, status=200):
    report = _report_or_404(request, pk)
    reviewable = (can_review_reports(request.access) and report.status == Report.Status.SUBMITTED
                  and report.member_id != request.access.member_id)
    return render(request, "reports/detail.html", {
        "report": report, "reviewable": reviewable,
        "accept_form": accept_form or forms.AcceptForm(), "return_form": return_form or forms.ReturnForm(),
    }, status=status)


@require_POST
@reviewers_required
def report_accept(request, pk):
    _report_or_404(request, pk)
    form = forms.AcceptForm(request.POST)
    if form.is_valid():
        try:
            services.report_accept(actor=request.user, access=request.access, report_id=pk,
                                   points=form.cleaned_data["points"])
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, ACCEPTED)
            return redirect("reports:detail", pk=pk)
    return report_detail(request, pk, accept_form=form, status=400)


@require_POST
@reviewers_required
def report_return(request, pk):
    _report_or_404(request, pk)
    form = forms.ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.report_return(actor=request.user, access=request.access, report_id=pk,
                                   reason=form.cleaned_data["reason"])
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, RETURNED)
            return redirect("reports:detail", pk=pk)
    return report_detail(request, pk, return_form=form, status=400)


@require_GET
@readers_required
def photo_file(request, pk, photo_pk):
    try:
        photo = report_photo_get(access=request.access, report_id=pk, photo_id=photo_pk)
    except NotFound:
        raise Http404 from None
    response = evidence_response(photo)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@township_access_required(lambda access: access.runs_scoring)
def mapping(request):
    rows = report_rules()
    form_list = []
    for row in rows:
        prefix = row.kind
        bound = request.method == "POST" and request.POST.get("kind") == row.kind
        form = forms.MappingForm(request.POST if bound else None, prefix=prefix,
                                 initial={"rule_code": row.rule_code, "points": row.points})
        if bound and form.is_valid():
            try:
                services.report_rule_set(actor=request.user, access=request.access, kind=row.kind,
                                         rule_code=form.cleaned_data["rule_code"], points=form.cleaned_data["points"])
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(request, SAVED)
                return redirect("reports:mapping")
        form_list.append((row, form))
    return render(request, "reports/mapping.html", {"forms": form_list})


def _archive_form(request):
    branches = list(branch_scope(request.access).order_by("name"))
    data = request.GET if "branch" in request.GET else None
    form = forms.ArchiveForm(data, branches=branches, initial={"year": township_today().year})
    return form


@archive_required
def archive(request):
    form = _archive_form(request)
    context = {"form": form}
    if form.is_bound and form.is_valid():
        context["archive"] = archive_export_builder.branch_year(
            access=request.access, branch_id=form.cleaned_data["branch"], year=form.cleaned_data["year"],
            today=township_today())
    return render(request, "reports/archive.html", context, status=400 if form.errors else 200)


@require_GET
@archive_required
def archive_export(request):
    form = _archive_form(request)
    if not (form.is_bound and form.is_valid()):
        raise Http404
    data = archive_export_builder.branch_year(access=request.access, branch_id=form.cleaned_data["branch"],
                                              year=form.cleaned_data["year"], today=township_today())
    response = HttpResponse(archive_export_builder.workbook(data),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="archive-{data.branch.pk}-{data.year}.xlsx"'
    return response
