"""County pages of staffing (public schema): career decisions at /staffing/career/ (the county decides the
township offices' proposals), a clerk's own outcomes at /staffing/career/mine/ (readable even after a removal
took their township role), and the appraisal template at /staffing/appraisal-template/."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from common.decorators import access_required
from common.errors import submit_form
from staffing.appraisal import calc
from staffing.county import forms, selectors, services
from staffing.county.models import CareerProposal, appraisal_template_get

county_required = access_required(lambda access: access.is_county_admin)


@county_required
def career_list(request):
    status = request.GET.get("status", "")
    if status not in CareerProposal.Status.values:
        status = ""
    return render(request, "county/career_list.html", {
        "proposals": selectors.career_county_list(status=status or None)[:300], "status": status,
        "statuses": CareerProposal.Status.choices,
        "pending": selectors.career_county_list(status=CareerProposal.Status.PENDING).count()})


@county_required
def career_detail(request, pk):
    proposal = selectors.career_county_list().filter(pk=pk).first()
    if proposal is None:
        raise Http404()
    form = forms.CareerDecideForm(request.POST or None, prefix="decide")
    ok, _result = submit_form(request, form, lambda data: services.career_decide(
        actor=request.user, access=request.access, proposal_id=proposal.pk, approve=data["decision"] == "approve",
        basis=data["basis"], decision_date=data["decision_date"], document_number=data["document_number"]))
    if ok:
        messages.success(request, _("Decision recorded."))
        return redirect("staffing_career:detail", pk=proposal.pk)
    if request.method == "POST":
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs)
                       or str(_("Please correct the errors below.")))
    own_case = request.user.pk in (proposal.proposed_by_id, proposal.clerk_user_id)
    return render(request, "county/career_detail.html", {
        "proposal": proposal, "form": form if proposal.status == CareerProposal.Status.PENDING and not own_case else None,
        "own_case": own_case})


@login_required
def career_mine(request):
    return render(request, "county/career_mine.html",
                  {"proposals": selectors.career_outcomes_for_user(user_id=request.user.pk)})


@county_required
def appraisal_template_view(request):
    template = appraisal_template_get()
    weights = template.weights or calc.DEFAULT_WEIGHTS
    grades = template.grades or calc.DEFAULT_GRADES
    initial = {"period_kind": template.period_kind,
               **{f"w_{k}": v for k, v in weights.items()},
               **{f"min_{g}": grades[g]["min"] for g in calc.GRADES},
               **{f"coef_{g}": grades[g]["coefficient"] for g in calc.GRADES}}
    form = forms.AppraisalTemplateForm(request.POST or None, initial=initial)
    ok, _result = submit_form(request, form, lambda data: services.appraisal_template_set(
        actor=request.user, period_kind=data["period_kind"], weights=form.weights(), grades=form.grades()))
    if ok:
        messages.success(request, _("Saved."))
        return redirect("staffing_career:template")
    history = selectors.appraisal_template_history()[:20]
    return render(request, "county/appraisal_template.html", {"form": form, "template": template,
                                                               "history": history, "signal_keys": calc.SIGNAL_KEYS})
