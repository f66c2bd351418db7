"""Pages of appraisal and pay: /t/<code>/staffing/appraisal/ and /t/<code>/staffing/pay/. The township
office appraises, prepares and approves pay sheets (Excel and printable page); a clerk sees only their own
appraisals (every component, with a comment box) and pay slips, phone friendly."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from common import clock
from common.decorators import township_access_required
from common.errors import DomainError, submit_form
from common.excel import xlsx_response
from staffing.appraisal import calc, selectors, services
from staffing.appraisal.exports import pay_sheet_filename, pay_sheet_workbook
from staffing.appraisal.models import AppraisalPeriod, PaySheet
from staffing.clerks.models import Clerk
from staffing.county.models import pay_policy_get

SAVED = _("Saved.")
office_or_clerk = township_access_required(lambda a: selectors.sees_all(a) or a.has_role(Role.CLERK))
office_required = township_access_required(lambda a: selectors.sees_all(a))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404() from None


def _run(request, action, target):
    try:
        action()
        messages.success(request, SAVED)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(target)


@office_or_clerk
def appraisal_home(request):
    access = request.access
    rows = selectors.appraisal_scope(access)[:200]
    labels = calc.COMPONENT_LABELS
    if not selectors.sees_all(access):
        return render(request, "appraisal/mine.html", {"appraisals": rows, "labels": labels})
    return render(request, "appraisal/home.html", {
        "appraisals": rows, "labels": labels, "periods": AppraisalPeriod.objects.all()[:12],
        "clerks": Clerk.objects.filter(status=Clerk.Status.ACTIVE), "office_keys": calc.OFFICE_KEYS,
    })


@require_POST
@office_required
def appraisal_record_view(request):
    def action():
        services.appraisal_record(actor=request.user, access=request.access,
                                  period_id=_int(request.POST.get("period")), clerk_id=_int(request.POST.get("clerk")),
                                  office_scores={k: request.POST.get(k, "") for k in calc.OFFICE_KEYS})
    return _run(request, action, "appraisal:home")


@require_POST
@office_required
def period_open_view(request):
    return _run(request, lambda: services.period_open(actor=request.user), "appraisal:home")


@require_POST
@office_or_clerk
def appraisal_comment_view(request, pk):
    return _run(request, lambda: services.appraisal_comment(actor=request.user, appraisal_id=pk,
                                                             comment=request.POST.get("comment", "")),
                "appraisal:home")


@office_or_clerk
def pay_home(request):
    access = request.access
    if not selectors.sees_all(access):
        return render(request, "appraisal/pay_mine.html", {"lines": selectors.pay_line_scope(access)[:120]})
    today = clock.today(request.tenant)
    sheets = [(s, selectors.sheet_totals(s)) for s in selectors.sheet_scope(access)[:24]]
    return render(request, "appraisal/pay_home.html", {"sheets": sheets, "today": today})


@require_POST
@office_required
def pay_prepare_view(request):
    return _run(request, lambda: services.pay_sheet_prepare(
        actor=request.user, access=request.access, year=_int(request.POST.get("year")),
        month=_int(request.POST.get("month"))), "appraisal:pay")


@require_POST
@office_required
def pay_approve_view(request, pk):
    return _run(request, lambda: services.pay_sheet_approve(actor=request.user, access=request.access, sheet_id=pk),
                "appraisal:pay")


def _sheet(request, pk) -> PaySheet:
    sheet = selectors.sheet_scope(request.access).filter(pk=pk).first()
    if sheet is None:
        raise Http404()
    return sheet


@office_required
def pay_sheet_view(request, pk):
    """The printable pay sheet."""
    sheet = _sheet(request, pk)
    return render(request, "appraisal/pay_sheet.html", {
        "sheet": sheet, "lines": sheet.lines.select_related("clerk"), "totals": selectors.sheet_totals(sheet),
        "policy": pay_policy_get(sheet.year)})


@office_required
def pay_sheet_export(request, pk):
    sheet = _sheet(request, pk)
    return xlsx_response(pay_sheet_workbook(sheet), pay_sheet_filename(sheet))


@office_required
def pay_exceptions_view(request):
    """The township's pay floor exceptions and the form asking the county for one (from the pay pages)."""
    from staffing.appraisal.forms import ExceptionRequestForm
    from staffing.county.services import pay_exception_request

    today = clock.today(request.tenant)
    initial = {"year": today.year, "month": today.month}
    for key in ("year", "month", "clerk"):
        if request.GET.get(key, "").isdigit():
            initial[key] = int(request.GET[key])
    form = ExceptionRequestForm(request.POST or None, initial=initial)
    ok, _result = submit_form(request, form, lambda data: pay_exception_request(
        actor=request.user, township_code=request.tenant.code, clerk_id=data["clerk"].pk, year=data["year"],
        month=data["month"], reason=data["reason"]))
    if ok:
        messages.success(request, _("Exception sent to the county for its decision."))
        return redirect("appraisal:pay_exceptions")
    return render(request, "appraisal/pay_exceptions.html", {
        "form": form, "exceptions": selectors.exception_scope(request.access, township=request.tenant)[:200]})


@office_required
def pay_line_correct_view(request, pk):
    """Correct an approved line with a new line of differences (the approved line is never edited)."""
    from staffing.appraisal.forms import CorrectionForm
    from staffing.appraisal.models import PayLine

    line = PayLine.objects.select_related("sheet", "clerk").filter(pk=pk, corrects__isnull=True).first()
    if line is None:
        raise Http404()
    form = CorrectionForm(request.POST or None)
    ok, _result = submit_form(request, form, lambda data: services.pay_line_correct(
        actor=request.user, access=request.access, line_id=line.pk, base=data["base"], allowance=data["allowance"],
        performance=data["performance"], note=data["note"]))
    if ok:
        messages.success(request, SAVED)
        return redirect("appraisal:pay_sheet", pk=line.sheet_id)
    return render(request, "appraisal/pay_correct.html", {
        "line": line, "form": form, "corrections": line.corrections.all()})
