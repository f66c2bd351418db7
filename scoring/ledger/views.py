"""Entry pages of a township: the clerk's entry form, entry lists, review and late-entry queues,
an entry's detail with its evidence, and a member's points card.

Every view needs a role in the township (403 otherwise) and reads through the scoped selectors,
so an entry or member outside the asker's scope is a 404. Evidence files are streamed by
`evidence_file` after the same check: they never have a public URL.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from common.decorators import township_access_required, township_required
from common.errors import DomainError, NotFound, apply_to_form
from common.tables import export_bound, export_refused, page_of, wants_xlsx, xlsx_download
from scoring.ledger import forms, services
from scoring.ledger.evidence import evidence_response
from scoring.ledger.exports import entries_filename, entries_sheet
from scoring.ledger.models import Entry
from scoring.ledger.selectors import (
    entry_export_rows,
    entry_get,
    entry_list,
    entry_people,
    evidence_get,
    late_queue,
    member_points_card,
    review_queue,
    township_today,
)
from tenants.organisation.models import Member
from tenants.organisation.selectors import member_scope

PAGE_SIZE = 30
# The list's filters without a field in its filter box (links from other pages, the API's names):
# kept as hidden fields when the box is submitted.
KEPT_FILTERS = ("member", "rule", "level", "is_late", "occurred_from", "occurred_to")
MEMBER_SEARCH_LIMIT = 20

ENTRY_CREATED = _("Entry recorded and sent for review.")
ENTRY_CREATED_LATE = _("Late entry recorded; it waits for the township office's approval.")
ENTRY_REVIEWED = _("Your decision has been recorded.")
LATE_DECIDED = _("The late entry has been decided.")
ENTRY_RESUBMITTED = _("The corrected entry has been sent back for review.")
BATCH_APPROVED = _("Approved: %(count)s.")
BATCH_REFUSED = _("Not approved: %(member)s, %(item)s — %(reason)s")


enter_required = township_access_required(lambda access: access.can_enter_points)


def _page(request, queryset):
    return page_of(request, queryset, per_page=PAGE_SIZE)


def _entry_or_404(request, pk) -> Entry:
    try:
        return entry_get(access=request.access, pk=pk)
    except NotFound:
        raise Http404 from None


# --- recording ------------------------------------------------------------------------------------
@enter_required
def entry_create(request):
    today = township_today()
    if request.method == "POST":
        form = forms.EntryForm(request.POST, request.FILES, access=request.access, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.entry_create(
                    actor=request.user, access=request.access, member_id=data["member"], rule_code=data["rule"],
                    occurred_on=data["occurred_on"], points=data["points"], note=data["note"],
                    evidence_files=data["evidence"], late_reason=data["late_reason"],
                )
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(request, ENTRY_CREATED_LATE if entry.is_late else ENTRY_CREATED)
                return redirect("scoring_ledger:entry_detail", pk=entry.pk)
    else:
        initial = {"occurred_on": today}
        if request.GET.get("member"):
            initial["member"] = request.GET["member"]
        form = forms.EntryForm(initial=initial, access=request.access, today=today)
    return render(request, "scoring_ledger/entry_form.html", {"form": form})


@require_GET
@enter_required
def member_options(request):
    """htmx: <option>s of active members in scope matching the search box."""
    q = (request.GET.get("member_q") or "").strip()
    members = member_scope(request.access).filter(status=Member.Status.ACTIVE).select_related("branch__village")
    if q:
        members = members.filter(name__icontains=q) | members.filter(phone__icontains=q)
    members = members.order_by("name", "pk")[:MEMBER_SEARCH_LIMIT] if q else members.none()
    return render(request, "scoring_ledger/_member_options.html",
                  {"members": [(m.pk, forms.member_label(m)) for m in members], "q": q})


@require_GET
@enter_required
def rule_options(request):
    """htmx: <option>s of the items in force on the date that apply to the chosen member."""
    form = forms.EntryForm(request.GET, access=request.access, today=township_today())
    return render(request, "scoring_ledger/_rule_options.html", {"choices": form.fields["rule"].choices,
                                                                 "selected": request.GET.get("rule", "")})


# --- lists and queues --------------------------------------------------------------------------------
@township_required
def entry_list_view(request):
    access = request.access
    if access.is_member_only:
        return redirect("scoring_ledger:my_card")
    params = request.GET.copy()
    # Clerks start on their own entries; the office, reviewers and secretaries see all in scope.
    if "mine" not in params and access.can_enter_points and not access.is_township_wide and not access.review_levels:
        params["mine"] = "true"
    if wants_xlsx(request):
        rows = entry_export_rows(access=access, filters=params, request=request)
        try:
            export_bound(rows.count())
        except DomainError as error:
            return export_refused(request, error)
        return xlsx_download(entries_filename(request.tenant, township_today()),
                             entries_sheet(rows, zone=request.tenant.time_zone_info()))
    form = forms.EntryFilterForm(params, access=access)
    entries = entry_list(access=access, filters=params, request=request)
    kept = [(key, value) for key in KEPT_FILTERS for value in request.GET.getlist(key)]
    return render(request, "scoring_ledger/entry_list.html", {"form": form, "page_obj": _page(request, entries),
                                                              "kept_filters": kept})


@township_required
def review_queue_view(request):
    if not request.access.review_levels:
        raise PermissionDenied
    entries = review_queue(access=request.access, user_id=request.user.pk)
    return render(request, "scoring_ledger/review_queue.html", {"page_obj": _page(request, entries)})


@require_POST
@township_required
def review_batch(request):
    """Approve the entries ticked in the review queue: each is its own decision (one service call,
    one transaction and audit event per entry); refusals are reported entry by entry."""
    if not request.access.review_levels:
        raise PermissionDenied
    choices = []
    for raw in request.POST.getlist("entry"):
        pk, _sep, level = raw.partition(":")
        if pk.isdigit():
            choices.append((int(pk), level or None))
    try:
        results = services.entry_review_batch(actor=request.user, access=request.access, choices=choices)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("scoring_ledger:review_queue")
    approved = [pk for pk, error in results.items() if error is None]
    if approved:
        messages.success(request, BATCH_APPROVED % {"count": len(approved)})
    refused = {pk: error for pk, error in results.items() if error is not None}
    if refused:
        names = {e.pk: e for e in Entry.objects.filter(pk__in=refused).select_related("member", "rule")}
        for pk, error in refused.items():
            entry = names.get(pk)
            messages.error(request, BATCH_REFUSED % {
                "member": entry.member.name if entry else f"#{pk}", "item": entry.rule.name if entry else "",
                "reason": error})
    return redirect("scoring_ledger:review_queue")


@township_required
def late_queue_view(request):
    if not request.access.runs_scoring:
        raise PermissionDenied
    entries = late_queue(access=request.access)
    return render(request, "scoring_ledger/late_queue.html", {"page_obj": _page(request, entries)})


# --- one entry --------------------------------------------------------------------------------------
def _detail(request, entry, *, review_form=None, late_form=None, status=200):
    access = request.access
    can_review = review_queue(access=access, user_id=request.user.pk).filter(pk=entry.pk).exists()
    can_decide_late = access.runs_scoring and entry.status == Entry.Status.AWAITING_LATE_APPROVAL
    # A refused decision whose form is no longer shown (e.g. the level was decided meanwhile).
    errors = [str(e) for form, shown in ((review_form, can_review), (late_form, can_decide_late))
              if form is not None and not shown for e in form.non_field_errors()]
    if can_review and review_form is None:
        review_form = forms.ReviewForm(initial={"level": entry.current_level, "decision": "approve"})
    if can_decide_late and late_form is None:
        late_form = forms.LateDecisionForm()
    return render(request, "scoring_ledger/entry_detail.html", {
        "entry": entry, "people": entry_people([entry]), "review_form": review_form if can_review else None,
        "late_form": late_form if can_decide_late else None, "errors": errors,
        "may_resubmit": _may_resubmit(request, entry),
        "resubmitted_as": Entry.objects.filter(source=services.resubmission_source(entry.pk)).first(),
        "resubmits_id": _resubmits_id(entry),
    }, status=status)


def _resubmits_id(entry: Entry) -> int | None:
    prefix, _sep, rest = entry.source.partition(":")
    return int(rest) if prefix == "resubmit" and rest.isdigit() else None


@township_required
def entry_detail(request, pk):
    return _detail(request, _entry_or_404(request, pk))


@require_POST
@township_required
def entry_review(request, pk):
    entry = _entry_or_404(request, pk)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.entry_review(actor=request.user, access=request.access, entry_id=entry.pk,
                                  decision=data["decision"], score=data["score"], reason=data["reason"],
                                  level=data["level"])
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(str(exc.message)) from None
            apply_to_form(form, exc)
        else:
            messages.success(request, ENTRY_REVIEWED)
            return redirect("scoring_ledger:review_queue")
    return _detail(request, _entry_or_404(request, pk), review_form=form, status=400)


@township_required
def entry_resubmit(request, pk):
    """The recorder corrects a returned entry and sends it back into review (a new entry)."""
    entry = _entry_or_404(request, pk)
    if not _may_resubmit(request, entry):
        raise PermissionDenied
    if request.method == "POST":
        form = forms.ResubmitForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                new = services.entry_resubmit(
                    actor=request.user, access=request.access, entry_id=entry.pk, points=data["points"],
                    note=data["note"], evidence_files=data["evidence"], keep_evidence=data["keep_evidence"],
                    late_reason=data["late_reason"])
            except NotFound:
                raise Http404 from None
            except DomainError as exc:
                if exc.status_code == 403:
                    raise PermissionDenied(str(exc.message)) from None
                apply_to_form(form, exc)
            else:
                messages.success(request, ENTRY_RESUBMITTED)
                return redirect("scoring_ledger:entry_detail", pk=new.pk)
    else:
        form = forms.ResubmitForm(initial={"points": entry.points, "note": entry.note, "keep_evidence": True,
                                           "late_reason": entry.late_reason})
    return render(request, "scoring_ledger/entry_resubmit.html", {"entry": entry, "form": form,
                                                                  "people": entry_people([entry])})


def _may_resubmit(request, entry: Entry) -> bool:
    return (entry.status == Entry.Status.REJECTED and entry.entered_by_id == request.user.pk
            and not entry.corrects_id and request.access.can_enter_points
            and not Entry.objects.filter(source=services.resubmission_source(entry.pk)).exists())


@require_POST
@township_required
def entry_late_decide(request, pk):
    entry = _entry_or_404(request, pk)
    if not request.access.runs_scoring:
        raise PermissionDenied
    form = forms.LateDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.entry_late_decide(actor=request.user, access=request.access, entry_id=entry.pk,
                                       decision=form.cleaned_data["decision"], note=form.cleaned_data["note"])
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(str(exc.message)) from None
            apply_to_form(form, exc)
        else:
            messages.success(request, LATE_DECIDED)
            return redirect("scoring_ledger:late_queue")
    return _detail(request, _entry_or_404(request, pk), late_form=form, status=400)


@require_GET
@township_required
def evidence_file(request, pk, evidence_pk):
    """An evidence file, after checking the asker may see its entry (never a public media URL);
    a photo is shown as an image, anything else is a download (see `evidence_response`)."""
    try:
        evidence = evidence_get(access=request.access, entry_id=pk, pk=evidence_pk)
    except NotFound:
        raise Http404 from None
    response = evidence_response(evidence)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- points card -------------------------------------------------------------------------------------
@township_required
def my_card(request):
    if not request.access.member_id:
        raise Http404
    return redirect("scoring_ledger:member_card", pk=request.access.member_id)


@township_required
def member_card(request, pk):
    try:
        year = int(request.GET["year"]) if request.GET.get("year") else None
    except ValueError:
        year = None
    try:
        card = member_points_card(access=request.access, member_id=pk, scoring_year=year)
    except NotFound:
        raise Http404 from None
    from scoring.periods import dashboard
    from scoring.periods.selectors import member_final_ratings

    # The rank in the township and the trend by month (the member's home shows the same).
    trend = dashboard.member_trend(member_id=card.member.pk, months=dashboard.member_trend_months(
        scoring_year=card.scoring_year, today=township_today()))
    standing = (dashboard.member_standing(member_id=card.member.pk, scoring_year=card.scoring_year)
                if card.scoring_year else None)
    return render(request, "scoring_ledger/member_card.html", {
        "card": card, "final_ratings": member_final_ratings(member_id=card.member.pk), "standing": standing,
        "trend": trend, "trend_chart": dashboard.member_trend_chart(trend)})
