"""Pages of the light duties (/t/<code>/duties/), phone-first for branch secretaries: the
proposals and duties of their branches with confirm/adjust, completion and excuse, illness flags;
the township office also keeps the list of duties. A member sees only their own duties."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.decorators import township_access_required
from common.errors import DomainError, apply_to_form
from scoring.duties import forms, selectors, services
from scoring.duties.models import Duty, DutyAssignment, DutyRun
from tenants.organisation.models import Member
from tenants.organisation.selectors import branch_scope, member_scope

CONFIRMED = _("Duty confirmed; the member is notified.")
COMPLETED = _("Completion recorded.")
EXCUSED = _("Duty excused.")
DUTY_SAVED = _("Duty saved.")
ILLNESS_SAVED = _("Illness flag saved.")
ILLNESS_CLEARED = _("Illness flag removed.")
PROPOSED = _("%(count)s proposal round(s) made.")

viewer_required = township_access_required(selectors.can_view)
office_required = township_access_required(lambda access: access.runs_scoring)


def _run_from(request):
    value = request.GET.get("run") or ""
    if not value:
        return None
    try:
        return DutyRun.objects.get(pk=int(value))
    except (ValueError, DutyRun.DoesNotExist):
        raise Http404 from None


@viewer_required
def duty_home(request):
    access = request.access
    status = request.GET.get("status") or ""
    if status and status not in DutyAssignment.Status.values:
        raise Http404
    run = _run_from(request)
    assignments = selectors.assignment_list(access=access, status=status or None, run=run)
    return render(request, "duties/home.html", {
        "assignments": assignments[:300], "statuses": DutyAssignment.Status.choices, "status": status,
        "runs": selectors.run_list()[:24], "run": run,
        "may_handle": access.runs_scoring or "branch_secretary" in access.roles,
    })


def _assignment_or_404(request, pk) -> DutyAssignment:
    try:
        return selectors.assignment_list(access=request.access).get(pk=pk)
    except DutyAssignment.DoesNotExist:
        raise Http404 from None


@viewer_required
def assignment_detail(request, pk):
    access = request.access
    assignment = _assignment_or_404(request, pk)
    may_handle = selectors.can_handle(access, branch_id=assignment.branch_id)
    period = Duty.Period.YEAR_END if assignment.run.is_year_end else Duty.Period.MONTHLY
    duties = list(Duty.objects.filter(period=period).filter(is_active=True) | Duty.objects.filter(
        pk=assignment.duty_id))
    confirm = complete = excuse = None
    if may_handle:
        confirm = forms.ConfirmForm(request.POST if request.POST.get("action") == "confirm" else None, duties=duties,
                                    initial={"duty_id": assignment.duty_id, "variant": assignment.variant})
        complete = forms.CompleteForm(request.POST if request.POST.get("action") == "complete" else None)
        excuse = forms.ExcuseForm(request.POST if request.POST.get("action") == "excuse" else None)
    if request.method == "POST" and may_handle:
        action = request.POST.get("action")
        form, call, done = {
            "confirm": (confirm, services.assignment_confirm, CONFIRMED),
            "complete": (complete, services.assignment_complete, COMPLETED),
            "excuse": (excuse, services.assignment_excuse, EXCUSED),
        }.get(action, (None, None, None))
        if form is not None and form.is_valid():
            try:
                call(actor=request.user, access=access, assignment_id=assignment.pk, **form.cleaned_data)
            except DomainError as error:
                apply_to_form(form, error)
            else:
                messages.success(request, done)
                return redirect("duties:assignment_detail", pk=assignment.pk)
    return render(request, "duties/assignment_detail.html", {
        "a": assignment, "may_handle": may_handle, "confirm": confirm, "complete": complete, "excuse": excuse,
    })


@office_required
def duty_list_view(request):
    form = forms.DutyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_create(actor=request.user, access=request.access, **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, DUTY_SAVED)
            return redirect("duties:duty_list")
    return render(request, "duties/duty_list.html", {"duties": selectors.duty_list(), "form": form})


@office_required
def duty_edit(request, pk):
    try:
        duty = Duty.objects.get(pk=pk)
    except Duty.DoesNotExist:
        raise Http404 from None
    form = forms.DutyForm(request.POST or None, instance=duty)
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_update(actor=request.user, access=request.access, duty_id=duty.pk, **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, DUTY_SAVED)
            return redirect("duties:duty_list")
    return render(request, "duties/duty_edit.html", {"duty": duty, "form": form})


@require_POST
@office_required
def propose_now(request):
    runs = services.duties_propose_due()
    messages.success(request, PROPOSED % {"count": len(runs)})
    return redirect("duties:home")


def _illness_members(access):
    """Active members whose illness the asker may mark: all (office), their branches (secretary)."""
    members = member_scope(access).filter(status=Member.Status.ACTIVE).select_related("branch")
    if not access.runs_scoring:
        members = members.filter(branch__in=branch_scope(access))
    return list(members.order_by("branch__name", "name")[:2000])


@township_access_required(lambda access: access.runs_scoring or "branch_secretary" in access.roles)
def illness_view(request):
    access = request.access
    form = forms.IllnessForm(request.POST or None, members=_illness_members(access))
    if request.method == "POST":
        if request.POST.get("clear"):
            try:
                services.illness_clear(actor=request.user, access=access, member_id=int(request.POST["clear"]))
            except (DomainError, ValueError) as error:
                messages.error(request, str(getattr(error, "message", error)))
            else:
                messages.success(request, ILLNESS_CLEARED)
            return redirect("duties:illness")
        if form.is_valid():
            try:
                services.illness_mark(actor=request.user, access=access, **form.cleaned_data)
            except DomainError as error:
                apply_to_form(form, error)
            else:
                messages.success(request, ILLNESS_SAVED)
                return redirect("duties:illness")
    return render(request, "duties/illness.html", {"flags": selectors.illness_list(access=access), "form": form})
