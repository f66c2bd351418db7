"""Dues pages of a township, under /t/<code>/dues/ (phone-first).

Everyone who sees branches reads arrears of their branches; clerks and the township office record
payments and corrections; the township office sets bases and exemptions. Excel ledger per branch
and month.
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common.decorators import township_access_required
from common.errors import DomainError, NotFound, apply_to_form
from common.excel import ExportWorkbook
from scoring.dues import forms, services
from scoring.dues.selectors import (
    arrears_overview,
    base_in_force,
    branch_get,
    branch_members,
    can_read_dues,
    can_record_payments,
    exempt_in,
    exemption_list,
    member_dues,
    payment_get,
    payment_list,
    through_month,
)
from scoring.ledger.selectors import township_today

SAVED = _("Saved.")
readers_required = township_access_required(can_read_dues)
recorders_required = township_access_required(can_record_payments)
office_required = township_access_required(lambda access: access.runs_scoring)


def _year(request, today: dt.date) -> int:
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def _branch_or_404(request, pk):
    try:
        return branch_get(access=request.access, pk=pk)
    except NotFound:
        raise Http404 from None


@readers_required
def overview(request):
    today = township_today()
    year = _year(request, today)
    rows = arrears_overview(access=request.access, year=year, today=today)
    return render(request, "dues/overview.html", {
        "rows": rows, "year": year, "years": range(today.year - 2, today.year + 1),
        "through": through_month(year=year, today=today)})


@readers_required
def branch_detail(request, pk):
    branch = _branch_or_404(request, pk)
    today = township_today()
    year = _year(request, today)
    rows = member_dues(branch_ids=[branch.pk], year=year, through=through_month(year=year, today=today))
    month = today.replace(day=1)
    bases = base_in_force(member_ids=[r.member_id for r in rows], month=month)
    exempt = exempt_in(member_ids=[r.member_id for r in rows], month=month)
    return render(request, "dues/branch.html", {
        "branch": branch, "year": year, "rows": [(r, bases.get(r.member_id), exempt.get(r.member_id)) for r in rows],
        "payments": payment_list(access=request.access, branch_id=branch.pk, year=year)[:300],
        "exemptions": exemption_list(access=request.access, branch_id=branch.pk)[:100],
        "can_record": can_record_payments(request.access), "runs_scoring": request.access.runs_scoring,
        "month": today.strftime("%Y-%m"),
    })


def _member_form_page(request, pk, form_class, action, template_title, initial=None):
    branch = _branch_or_404(request, pk)
    members = list(branch_members(branch=branch))
    form = form_class(request.POST or None, members=members, initial=initial or {})
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, SAVED)
            return redirect("dues:branch", pk=branch.pk)
    return render(request, "dues/form.html", {"form": form, "branch": branch, "title": template_title},
                  status=400 if form.errors else 200)


@recorders_required
def payment_new(request, pk):
    today = township_today()
    return _member_form_page(
        request, pk, forms.PaymentForm,
        lambda d: services.dues_payment_record(actor=request.user, access=request.access, **{
            "member_id": d["member"], "amount": d["amount"], "method": d["method"],
            "receipt_number": d["receipt_number"], "year": d["year"], "first_month": d["first_month"],
            "last_month": d["last_month"], "paid_on": d["paid_on"]}),
        _("Record a dues payment"),
        initial={"year": today.year, "first_month": today.month, "last_month": today.month, "paid_on": today})


@office_required
def base_new(request, pk):
    return _member_form_page(
        request, pk, forms.BaseForm,
        lambda d: services.dues_base_set(actor=request.user, access=request.access, member_id=d["member"],
                                         basis=d["basis"], monthly_income=d["monthly_income"],
                                         effective_from=d["effective_from"], note=d["note"]),
        _("Set a dues base"), initial={"effective_from": township_today().strftime("%Y-%m")})


@office_required
def exemption_new(request, pk):
    return _member_form_page(
        request, pk, forms.ExemptionForm,
        lambda d: services.dues_exemption_grant(actor=request.user, access=request.access, member_id=d["member"],
                                                reason_kind=d["reason_kind"], reason=d["reason"],
                                                first_month=d["first_month"], last_month=d["last_month"]),
        _("Exempt a member from dues"))


@recorders_required
def payment_correct(request, pk):
    try:
        payment = payment_get(access=request.access, pk=pk)
    except NotFound:
        raise Http404 from None
    form = forms.CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dues_payment_correct(actor=request.user, access=request.access, payment_id=payment.pk,
                                          amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"])
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, SAVED)
            return redirect("dues:branch", pk=payment.member.branch_id)
    return render(request, "dues/correct.html", {"form": form, "payment": payment},
                  status=400 if form.errors else 200)


def ledger_workbook(*, access, branch, year: int, month: int, today: dt.date) -> bytes:
    """The branch's dues ledger for one month: the lines recorded that month, and each member's
    dues for the month with the year's arrears up to it."""
    book = ExportWorkbook()
    book.sheet(_g("Dues payments"), [_g("Paid on"), _g("Member"), _g("Kind"), _g("Amount (yuan)"), _g("Method"),
                                     _g("Receipt number"), _g("Months covered"), _g("Corrects"), _g("Reason")])
    for p in payment_list(access=access, branch_id=branch.pk, month=(year, month)).order_by("paid_on", "id"):
        book.append([p.paid_on, p.member.name, p.get_kind_display(), p.amount, p.get_method_display(),
                     p.receipt_number, f"{p.year}-{p.first_month:02d}…{p.last_month:02d}", p.corrects_id, p.reason])
    first = dt.date(year, month, 1)
    through = min(month, through_month(year=year, today=today))
    rows = member_dues(branch_ids=[branch.pk], year=year, through=through)
    bases = base_in_force(member_ids=[r.member_id for r in rows], month=first)
    exempt = exempt_in(member_ids=[r.member_id for r in rows], month=first)
    book.sheet(_g("Dues"), [_g("Member"), _g("Monthly dues (yuan)"), _g("Exempt"), _g("Expected (yuan)"),
                            _g("Paid (yuan)"), _g("Arrears (yuan)")])
    for r in rows:
        base = bases.get(r.member_id)
        book.append([r.name, base.monthly_amount if base else None,
                     exempt[r.member_id].get_reason_kind_display() if r.member_id in exempt else "",
                     r.expected, r.paid, r.arrears])
    return book.to_bytes()


@require_GET
@readers_required
def ledger_export(request, pk):
    branch = _branch_or_404(request, pk)
    today = township_today()
    try:
        year, month = (int(part) for part in request.GET.get("month", today.strftime("%Y-%m")).split("-"))
        dt.date(year, month, 1)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= today.year + 1:
        raise Http404
    content = ledger_workbook(access=request.access, branch=branch, year=year, month=month, today=today)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="dues-{branch.pk}-{year}-{month:02d}.xlsx"'
    return response
