"""Roster pages: upload and follow imports (township office), Excel exports of the lists."""
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from common import clock
from common.decorators import township_required
from common.errors import DomainError, apply_to_form
from tenants.organisation.models import RosterImport
from tenants.organisation.roster import (
    ERRORS_SHOWN,
    RUNNING,
    XLSX_CONTENT_TYPE,
    branches_workbook,
    errors_workbook,
    members_workbook,
    roster_import_create,
    roster_import_get,
    roster_import_list,
    roster_template_workbook,
    villages_workbook,
)
from tenants.organisation.selectors import branch_list, member_list, village_list


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )


def _xlsx(request, content: bytes, stem: str) -> HttpResponse:
    today = clock.today(request.tenant)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{request.tenant.code}-{today:%Y%m%d}.xlsx"'
    return response


def _require_office(request) -> None:
    if not request.access.can_manage_organisation:
        raise PermissionDenied


def _get_import(pk: int) -> RosterImport:
    try:
        return roster_import_get(pk=pk)
    except RosterImport.DoesNotExist:
        raise Http404 from None


@township_required
def roster_import(request):
    """Upload a roster (POST) and list past imports (GET)."""
    _require_office(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            roster = roster_import_create(actor=request.user, access=request.access, upload=form.cleaned_data["file"])
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            return redirect("organisation:roster_import_detail", pk=roster.pk)
    return render(request, "organisation/roster/import.html", {"form": form, "imports": roster_import_list()[:50]})


@township_required
def roster_import_detail(request, pk: int):
    """Progress of one import; htmx polls the partial every second while it runs."""
    _require_office(request)
    roster = _get_import(pk)
    context = {
        "roster": roster,
        "running": roster.status in RUNNING,
        "errors_shown": roster.errors[:ERRORS_SHOWN],
        "errors_limit": ERRORS_SHOWN,
    }
    if request.headers.get("HX-Request"):
        return render(request, "organisation/roster/_progress.html", context)
    return render(request, "organisation/roster/detail.html", context)


@township_required
def roster_import_errors(request, pk: int):
    """The error report of a failed import, as .xlsx."""
    _require_office(request)
    roster = _get_import(pk)
    if roster.status != RosterImport.Status.FAILED:
        raise Http404
    return _xlsx(request, errors_workbook(roster), f"roster-errors-{roster.pk}")


@township_required
def roster_template(request):
    _require_office(request)
    return _xlsx(request, roster_template_workbook(), "roster-template")


@township_required
def roster_member_export(request):
    """The members list as .xlsx, with the list's filters (query string) and the asker's scope."""
    access = request.access
    if not access.sees_member_lists:
        raise PermissionDenied
    members = member_list(access=access, filters=request.GET)
    return _xlsx(request, members_workbook(members, mask_ids=not access.can_view_id_numbers), "members")


@township_required
def roster_village_export(request):
    if not request.access.sees_villages:
        raise PermissionDenied
    return _xlsx(request, villages_workbook(village_list(access=request.access, filters=request.GET)), "villages")


@township_required
def roster_branch_export(request):
    if not request.access.sees_branches:
        raise PermissionDenied
    return _xlsx(request, branches_workbook(branch_list(access=request.access, filters=request.GET)), "branches")
