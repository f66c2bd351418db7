"""Pages of the clerks app: /t/<code>/staffing/ for the township office (clerks, villages with gaps,
placements, limits coming, the rotation planner) and for a clerk (their own placements, phone
friendly); /staffing/ for the county (the corps per township, and the rotation limit)."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from common import clock
from common.decorators import access_required, township_access_required
from common.errors import DomainError, submit_form
from staffing.clerks import forms, selectors, services
from staffing.clerks.models import Placement, RotationMove, RotationPlan
from staffing.county.services import staffing_policy_set

SAVED = _("Saved.")
office_required = township_access_required(lambda access: access.has_role(Role.TOWNSHIP_OFFICE))
corps_or_clerk_required = township_access_required(
    lambda access: selectors.sees_corps(access) or access.has_role(Role.CLERK))
county_required = access_required(lambda access: access.is_county_admin)


@corps_or_clerk_required
def staffing_home(request):
    access = request.access
    today = clock.today(request.tenant)
    if not selectors.sees_corps(access):
        return render(request, "clerks/mine.html", {
            "clerks": selectors.clerk_scope(access), "placements": selectors.placement_scope(access), "today": today})
    coverage = selectors.village_coverage(day=today)
    return render(request, "clerks/home.html", {
        "today": today,
        "clerks": selectors.clerk_scope(access),
        "coverage": coverage,
        "gaps": [c for c in coverage if c.gap],
        "placements": selectors.placement_scope(access)[:100],
        "limits": selectors.limits_coming(today=today, within_days=services.PLANNER_HORIZON_DAYS,
                                          limit=services.township_limit_days()),
        "plans": RotationPlan.objects.all()[:10],
        "max_years": services.max_years(),
        "clerk_form": forms.ClerkForm(prefix="clerk"),
        "placement_form": forms.PlacementForm(prefix="placement"),
        "required_form": forms.RequiredForm(prefix="required"),
    })


def _post(request, form, action):
    ok, _result = submit_form(request, form, action)
    if ok:
        messages.success(request, SAVED)
    else:
        errors = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, "; ".join(errors) or str(_("Please correct the errors below.")))
    return redirect("clerks:home")


@require_POST
@office_required
def clerk_create_view(request):
    def action(data):
        return services.clerk_create(
            actor=request.user, name=data["name"], gender=data["gender"], birth_date=data["birth_date"],
            contract_start=data["contract_start"], contract_end=data["contract_end"],
            home_village=data["home_village"], user_id=data["user_id"],
            relatives_village_ids=[v.pk for v in data["relatives_villages"]])
    return _post(request, forms.ClerkForm(request.POST, prefix="clerk"), action)


@require_POST
@office_required
def placement_create_view(request):
    def action(data):
        return services.placement_start(actor=request.user, clerk=data["clerk"], village=data["village"],
                                        starts_on=data["starts_on"], ends_on=data["ends_on"])
    return _post(request, forms.PlacementForm(request.POST, prefix="placement"), action)


@require_POST
@office_required
def placement_end_view(request, pk):
    placement = get_object_or_404(Placement, pk=pk)
    return _post(request, forms.PlacementEndForm(request.POST),
                 lambda data: services.placement_end(actor=request.user, placement=placement, ends_on=data["ends_on"]))


@require_POST
@office_required
def required_set_view(request):
    return _post(request, forms.RequiredForm(request.POST, prefix="required"),
                 lambda data: services.village_required_set(actor=request.user, village=data["village"],
                                                            required=data["required"]))


@require_POST
@office_required
def plan_propose_view(request):
    plan = services.rotation_plan_propose(actor=request.user)
    return redirect("clerks:plan", pk=plan.pk)


@office_required
def plan_view(request, pk):
    from staffing.clerks.models import Clerk
    from tenants.organisation.models import Village

    plan = get_object_or_404(RotationPlan, pk=pk)
    moves = plan.moves.select_related("clerk", "from_village", "to_village")
    proposal = services.rotation_plan_compute() if plan.status == RotationPlan.Status.DRAFT else None
    # The planner speaks in ids; the office reads names.
    unfilled = list(Village.objects.filter(pk__in=proposal.unfilled).order_by("name").values_list("name", flat=True)) \
        if proposal else []
    unplaced = list(Clerk.objects.filter(pk__in=proposal.unplaced).order_by("name").values_list("name", flat=True)) \
        if proposal else []
    return render(request, "clerks/plan.html", {
        "plan": plan,
        "moves": [(m, forms.MoveAdjustForm(prefix=f"m{m.pk}", initial={"to_village": m.to_village_id,
                                                                        "moves_on": m.moves_on})) for m in moves],
        "proposal": proposal, "unfilled_names": unfilled, "unplaced_names": unplaced,
    })


@require_POST
@office_required
def move_adjust_view(request, pk):
    move = get_object_or_404(RotationMove, pk=pk)
    form = forms.MoveAdjustForm(request.POST, prefix=f"m{move.pk}")
    ok, _result = submit_form(request, form, lambda data: services.rotation_move_adjust(
        actor=request.user, move=move, to_village=data["to_village"], moves_on=data["moves_on"]))
    if ok:
        messages.success(request, SAVED)
    else:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("clerks:plan", pk=move.plan_id)


@require_POST
@office_required
def plan_confirm_view(request, pk):
    plan = get_object_or_404(RotationPlan, pk=pk)
    try:
        services.rotation_plan_confirm(actor=request.user, plan=plan)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Rotation plan confirmed; the moves take effect on their dates."))
    return redirect("clerks:plan", pk=plan.pk)


# --- county ---------------------------------------------------------------------------------------
@county_required
def county_view(request):
    from staffing.county.models import staffing_policy_get

    policy = staffing_policy_get()
    form = forms.PolicyForm(request.POST or None, initial={"max_years": policy.max_years})
    ok, _result = submit_form(request, form, lambda data: staffing_policy_set(actor=request.user,
                                                                               max_years=data["max_years"]))
    if ok:
        messages.success(request, SAVED)
        return redirect("staffing_county:home")
    rows = selectors.county_rollup_ready(day=clock.today())
    totals = {key: sum(r.get(key) or 0 for r in rows) for key in ("villages", "clerks", "gaps", "limits_coming")}
    return render(request, "clerks/county.html", {"rows": rows, "totals": totals, "form": form,
                                                  "max_years": policy.max_years})


# --- a clerk's page and career proposals (issue 10 item 6) ------------------------------------------
@corps_or_clerk_required
def clerk_page(request, pk):
    """One clerk: record, placements, appraisal history and career proposals. The office proposes an
    established post or removal here; the clerk sees their own page with the decided outcomes."""
    from staffing.county.forms import CareerProposeForm
    from staffing.county.models import CareerProposal
    from staffing.county.selectors import career_township_list
    from staffing.county.services import career_appraisal_history

    access = request.access
    clerk = get_object_or_404(selectors.clerk_scope(access), pk=pk)
    proposals = career_township_list(township=request.tenant, clerk_id=clerk.pk)
    office = selectors.sees_corps(access)
    if not office:
        proposals = proposals.exclude(status=CareerProposal.Status.PENDING)
    can_propose = (access.has_role(Role.TOWNSHIP_OFFICE) and clerk.user_id != request.user.pk
                   and clerk.status not in services.CAREER_STATUSES
                   and not proposals.filter(status=CareerProposal.Status.PENDING).exists())
    return render(request, "clerks/clerk.html", {
        "clerk": clerk, "office": office, "today": clock.today(request.tenant),
        "placements": clerk.placements.select_related("village"),
        "history": career_appraisal_history(clerk_id=clerk.pk), "proposals": proposals,
        "form": CareerProposeForm(prefix="career") if can_propose else None,
    })


@require_POST
@office_required
def career_propose_view(request, pk):
    from staffing.county.forms import CareerProposeForm
    from staffing.county.services import career_propose

    clerk = get_object_or_404(selectors.clerk_scope(request.access), pk=pk)
    form = CareerProposeForm(request.POST, prefix="career")
    ok, _result = submit_form(request, form, lambda data: career_propose(
        actor=request.user, access=request.access, clerk_id=clerk.pk, kind=data["kind"], basis=data["basis"]))
    if ok:
        messages.success(request, _("Proposal sent to the county for its decision."))
    else:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs)
                       or str(_("Please correct the errors below.")))
    return redirect("clerks:clerk", pk=clerk.pk)
