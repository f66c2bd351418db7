"""Organisation pages of one township: villages, branches, members and transfers.

Every view is wrapped in `township_required` (403 without a role here). Lists need a role that
sees lists (403 for a member-only user); single objects are read through the scoped selectors,
so anything outside the asker's scope is a 404. Writes need `can_manage_organisation`.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from common import clock
from common.decorators import township_access_required, township_required
from common.errors import submit_form
from common.workqueue import work_for
from tenants.organisation import forms, services
from tenants.organisation.models import Member
from tenants.organisation.selectors import (
    branch_list,
    branch_scope,
    member_get,
    member_list,
    member_transfers,
    township_headline,
    village_list,
    village_scope,
)

PAGE_SIZE = 50

VILLAGE_CREATED = _("Village created.")
VILLAGE_SAVED = _("Village saved.")
BRANCH_CREATED = _("Branch created.")
BRANCH_SAVED = _("Branch saved.")
MEMBER_CREATED = _("Member created.")
MEMBER_SAVED = _("Member saved.")
MEMBER_TRANSFERRED = _("Transfer recorded.")




# `township_required`, and a role that sees lists: a member-only user gets 403.
lists_required = township_access_required(lambda access: access.sees_member_lists)


# `township_required`, and the right to create and edit the organisation (township office).
manager_required = township_access_required(lambda access: access.can_manage_organisation)


def _get_or_404(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def _member_or_404(request, pk) -> Member:
    try:
        return member_get(access=request.access, pk=pk)
    except Member.DoesNotExist:
        raise Http404 from None


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _today(request):
    return clock.today(request.tenant)


# --- home ---------------------------------------------------------------------------------------
@township_required
def township_home(request):
    access = request.access
    work = work_for(request)
    if access.is_member_only:
        if not access.member_id:
            raise PermissionDenied
        return render(request, "organisation/home.html", {"work": work, "member_id": access.member_id})
    checklist = []
    if access.can_manage_organisation or access.is_county_admin:
        from common.onboarding import onboarding_checklist

        checklist = onboarding_checklist(township=request.tenant)
    return render(request, "organisation/home.html", {
        "headline": township_headline(access=access), "work": work,
        # Shown until every step is done, then gone for good (each tick comes from real data).
        "checklist": checklist if any(not item.done for item in checklist) else [],
    })


# --- villages -----------------------------------------------------------------------------------
@lists_required
def village_list_view(request):
    form = forms.VillageFilterForm(request.GET)
    # Aggregating drops Meta.ordering, so pages need an explicit order.
    villages = village_list(access=request.access, filters=request.GET).order_by("code", "pk")
    return render(request, "organisation/village_list.html", {"form": form, "page_obj": _page(request, villages)})


@lists_required
def village_detail(request, pk):
    access = request.access
    village = _get_or_404(village_scope(access), pk)
    branches = branch_list(access=access, filters={"village": str(village.pk)}).order_by("name", "pk")
    active_members = member_list(
        access=access, filters={"village": str(village.pk), "status": Member.Status.ACTIVE}
    ).count()
    return render(request, "organisation/village_detail.html", {
        "village": village, "branches": branches, "member_count": active_members,
    })


@manager_required
def village_create(request):
    form = forms.VillageForm(request.POST or None)
    done, village = submit_form(request, form, lambda data: services.village_create(
        actor=request.user, access=request.access, **data))
    if done:
        messages.success(request, VILLAGE_CREATED)
        return redirect("organisation:village_detail", pk=village.pk)
    return render(request, "organisation/form.html", {
        "form": form, "title": _("New village"), "cancel_url": "organisation:village_list",
    })


@manager_required
def village_update(request, pk):
    village = _get_or_404(village_scope(request.access), pk)
    form = forms.VillageForm(request.POST or None, initial={"name": village.name, "code": village.code})
    done, _village = submit_form(request, form, lambda data: services.village_update(
        actor=request.user, access=request.access, village=village, **data))
    if done:
        messages.success(request, VILLAGE_SAVED)
        return redirect("organisation:village_detail", pk=village.pk)
    return render(request, "organisation/form.html", {
        "form": form, "title": _("Edit village"), "object": village, "cancel_object_url": "organisation:village_detail",
    })


# --- branches -----------------------------------------------------------------------------------
@lists_required
def branch_list_view(request):
    access = request.access
    form = forms.BranchFilterForm(request.GET, villages=village_scope(access))
    branches = branch_list(access=access, filters=request.GET).order_by("name", "pk")
    return render(request, "organisation/branch_list.html", {"form": form, "page_obj": _page(request, branches)})


@lists_required
def branch_detail(request, pk):
    access = request.access
    branch = _get_or_404(branch_scope(access).select_related("village", "parent"), pk)
    members = member_list(access=access, filters={"branch": str(branch.pk)})
    children = branch_list(access=access).filter(parent=branch).order_by("name", "pk")
    return render(request, "organisation/branch_detail.html", {
        "branch": branch, "children": children, "page_obj": _page(request, members),
    })


def _branch_form_view(request, *, branch=None):
    initial = {}
    if branch is not None:
        initial = {"name": branch.name, "kind": branch.kind, "parent": branch.parent_id, "village": branch.village_id}
    form = forms.BranchForm(request.POST or None, initial=initial, branch=branch)
    if branch is None:
        done, saved = submit_form(request, form, lambda data: services.branch_create(
            actor=request.user, access=request.access, **data))
    else:
        done, saved = submit_form(request, form, lambda data: services.branch_update(
            actor=request.user, access=request.access, branch=branch, **data))
    if done:
        messages.success(request, BRANCH_CREATED if branch is None else BRANCH_SAVED)
        return redirect("organisation:branch_detail", pk=saved.pk)
    context = {"form": form}
    if branch is None:
        context.update(title=_("New branch"), cancel_url="organisation:branch_list")
    else:
        context.update(title=_("Edit branch"), object=branch, cancel_object_url="organisation:branch_detail")
    return render(request, "organisation/form.html", context)


@manager_required
def branch_create(request):
    return _branch_form_view(request)


@manager_required
def branch_update(request, pk):
    return _branch_form_view(request, branch=_get_or_404(branch_scope(request.access), pk))


# --- members ------------------------------------------------------------------------------------
@lists_required
def member_list_view(request):
    access = request.access
    form = forms.MemberFilterForm(request.GET, branches=branch_scope(access), villages=village_scope(access))
    members = member_list(access=access, filters=request.GET)
    return render(request, "organisation/member_list.html", {"form": form, "page_obj": _page(request, members)})


@township_required
def member_detail(request, pk):
    member = _member_or_404(request, pk)
    return render(request, "organisation/member_detail.html", {
        "member": member,
        "transfers": member_transfers(member=member),
        "show_id_number": request.access.can_view_id_numbers,
    })


@manager_required
def member_create(request):
    form = forms.MemberForm(request.POST or None, branches=branch_scope(request.access))
    done, member = submit_form(request, form, lambda data: services.member_create(
        actor=request.user, access=request.access, **data))
    if done:
        messages.success(request, MEMBER_CREATED)
        return redirect("organisation:member_detail", pk=member.pk)
    return render(request, "organisation/member_form.html", {"form": form, "title": _("New member")})


@manager_required
def member_update(request, pk):
    member = _member_or_404(request, pk)
    form = forms.MemberForm(request.POST or None, member=member, initial=forms.MemberForm.initial_for(member))
    done, _member = submit_form(request, form, lambda data: services.member_update(
        actor=request.user, access=request.access, member=member, **data))
    if done:
        messages.success(request, MEMBER_SAVED)
        return redirect("organisation:member_detail", pk=member.pk)
    return render(request, "organisation/member_form.html", {
        "form": form, "title": _("Edit member"), "member": member,
    })


@manager_required
def member_transfer(request, pk):
    member = _member_or_404(request, pk)
    form = forms.TransferForm(
        request.POST or None, member=member, branches=branch_scope(request.access),
        initial={"transferred_on": _today(request)},
    )
    done, _transfer = submit_form(request, form, lambda data: services.member_transfer(
        actor=request.user, access=request.access, member=member, to_branch=data["to_branch"],
        destination=data["destination"], transferred_on=data["transferred_on"], reason=data["reason"],
    ))
    if done:
        messages.success(request, MEMBER_TRANSFERRED)
        return redirect("organisation:member_detail", pk=member.pk)
    return render(request, "organisation/member_transfer.html", {"form": form, "member": member})
