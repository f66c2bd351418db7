"""Tip pages of a township, under /t/<code>/tips/.

Public (no login, like the login page; nothing here needs a session): the intake form and the
receipt page. They keep no IP address or user agent: the throttles count attempts per address
in the cache only. Everything else needs a role: the case list and file (handlers and the
township office, read through the scoped selectors) and sanctions.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from common.decorators import township_access_required
from common.errors import DomainError, NotFound, apply_to_form
from scoring.ledger.models import Entry
from scoring.tips import forms, services, throttle
from scoring.tips.base import TRANSITIONS, TipStatus
from scoring.tips.selectors import (
    any_tip_by_receipt,
    award_ineligible_users,
    can_handle,
    can_read_tips,
    people_names,
    reporter_identity,
    sanction_list,
    tip_evidence_get,
    tip_get,
    tip_handlers,
    tip_list,
)

RECEIPT_UNKNOWN = _("No tip matches this receipt code.")
THROTTLED = _("Too many attempts. Please try again later.")
MESSAGE_SENT = _("Your message has been sent.")
SAVED = _("Saved.")
SANCTION_SAVED = _("Sanction recorded.")

readers_required = township_access_required(can_read_tips)
handlers_required = township_access_required(can_handle)


# --- public: intake and receipt ---------------------------------------------------------------------
@never_cache
def intake(request):
    form = forms.IntakeForm(request.POST or None)
    if request.method == "POST":
        if throttle.blocked("intake", request):
            return render(request, "tips/intake.html", {"form": form, "throttled": THROTTLED}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                tip, code = services.tip_submit(
                    subject=data["subject"], body=data["body"], anonymous=data["anonymous"],
                    reporter_name=data["reporter_name"], reporter_contact=data["reporter_contact"],
                    about_office=data["about_office"], village_id=data["village"])
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                throttle.hit("intake", request)
                return render(request, "tips/intake_done.html", {"code": code, "to_county": data["about_office"]})
    return render(request, "tips/intake.html", {"form": form})


def _by_receipt(code: str):
    return any_tip_by_receipt(code)


def _receipt_page(request, tip, code, message_form=None, status=200):
    return render(request, "tips/receipt.html", {
        "tip": {"status": TipStatus(tip.status).label,
                "messages": [{"from_reporter": m.from_reporter, "body": m.body, "at": m.created_at}
                             for m in tip.messages.all()]},
        "message_form": message_form or forms.ReporterMessageForm(initial={"code": code}),
    }, status=status)


@never_cache
def receipt(request):
    """GET: the code form. POST: the tip's status and messages (and nothing else), and a reply box.
    A wrong code gets the same answer whatever the reason, and counts against the address."""
    posted_message = request.method == "POST" and "body" in request.POST
    form = (forms.ReporterMessageForm if posted_message else forms.ReceiptForm)(request.POST or None)
    if request.method != "POST":
        return render(request, "tips/receipt_lookup.html", {"form": forms.ReceiptForm()})
    if throttle.blocked("receipt", request):
        return render(request, "tips/receipt_lookup.html", {"form": forms.ReceiptForm(), "error": THROTTLED},
                      status=429)
    tip = _by_receipt(request.POST.get("code", ""))
    if tip is None:
        throttle.hit("receipt", request)
        return render(request, "tips/receipt_lookup.html", {"form": forms.ReceiptForm(), "error": RECEIPT_UNKNOWN},
                      status=404)
    code = request.POST.get("code", "")
    if posted_message:
        if form.is_valid():
            try:
                services.tip_reporter_message(tip=tip, body=form.cleaned_data["body"])
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(request, MESSAGE_SENT)
                tip = _by_receipt(code)
                return _receipt_page(request, tip, code)
        return _receipt_page(request, tip, code, message_form=form, status=400)
    return _receipt_page(request, tip, code)


# --- handlers ---------------------------------------------------------------------------------------------
@readers_required
def tip_list_view(request):
    status = request.GET.get("status", "")
    tips = tip_list(access=request.access, status=status if status in TipStatus.values else "")
    return render(request, "tips/tip_list.html", {
        "tips": tips[:200], "statuses": TipStatus.choices, "status": status, "can_handle": can_handle(request.access),
        "people": people_names(t.assigned_to_id for t in tips[:200])})


@handlers_required
def tip_record(request):
    form = forms.RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tip, code = services.tip_submit(
                subject=data["subject"], body=data["body"], anonymous=data["anonymous"],
                reporter_name=data["reporter_name"], reporter_contact=data["reporter_contact"],
                about_office=data["about_office"], village_id=data["village"], channel=data["channel"],
                actor=request.user, access=request.access)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            return render(request, "tips/intake_done.html", {"code": code, "to_county": data["about_office"],
                                                             "recorded": True})
    return render(request, "tips/record.html", {"form": form})


def _tip_or_404(request, pk):
    try:
        return tip_get(access=request.access, pk=pk)
    except NotFound:
        raise Http404 from None


def _detail(request, tip, *, bound=None, status=200):
    access = request.access
    handler = can_handle(access)
    handlers = tip_handlers() if handler else []
    page_forms = {}
    if handler:
        page_forms = {
            "status_form": forms.StatusForm(),
            "assign_form": forms.AssignForm(handlers=handlers, initial={"assignee": tip.assigned_to_id,
                                                                        "due_on": tip.due_on}),
            "note_form": forms.TextForm(), "message_form": forms.TextForm(), "evidence_form": forms.EvidenceForm(),
            "correction_form": forms.CorrectionForm() if tip.status == TipStatus.SUBSTANTIATED else None,
        }
        page_forms["status_form"].fields["status"].choices = [
            (s, TipStatus(s).label) for s in TipStatus.values if s in TRANSITIONS[TipStatus(tip.status)]]
        if bound:
            page_forms.update(bound)
    people = people_names([tip.assigned_to_id, tip.recorded_by_id]
                          + [n.author_id for n in tip.notes.all()] + [m.author_id for m in tip.messages.all()])
    return render(request, "tips/tip_detail.html", {
        "tip": tip, "reporter": reporter_identity(access=access, tip=tip), "can_handle": handler,
        "people": people, "corrections": Entry.objects.filter(source=f"tip:{tip.pk}").select_related("member"),
        **page_forms}, status=status)


@readers_required
def tip_detail(request, pk):
    return _detail(request, _tip_or_404(request, pk))


ACTIONS = {
    "status": (forms.StatusForm, lambda r, tip, d: services.tip_status_set(
        actor=r.user, access=r.access, tip_id=tip.pk, status=d["status"], outcome=d["outcome"])),
    "assign": (None, lambda r, tip, d: services.tip_assign(
        actor=r.user, access=r.access, tip_id=tip.pk, assignee_id=d["assignee"], due_on=d["due_on"])),
    "note": (forms.TextForm, lambda r, tip, d: services.tip_note_add(
        actor=r.user, access=r.access, tip_id=tip.pk, body=d["body"])),
    "message": (forms.TextForm, lambda r, tip, d: services.tip_message(
        actor=r.user, access=r.access, tip_id=tip.pk, body=d["body"])),
    "evidence": (forms.EvidenceForm, lambda r, tip, d: services.tip_evidence_add(
        actor=r.user, access=r.access, tip_id=tip.pk, files=d["evidence"])),
    "correction": (forms.CorrectionForm, lambda r, tip, d: services.tip_correction_propose(
        actor=r.user, access=r.access, tip_id=tip.pk, entry_id=d["entry"], points=d["points"], reason=d["reason"])),
}


@require_POST
@handlers_required
def tip_action(request, pk, action):
    tip = _tip_or_404(request, pk)
    if action not in ACTIONS:
        raise Http404
    form_class, run = ACTIONS[action]
    if form_class is None:
        form = forms.AssignForm(request.POST, handlers=tip_handlers())
    elif form_class is forms.EvidenceForm:
        form = form_class(request.POST, request.FILES)
    else:
        form = form_class(request.POST)
    if form.is_valid():
        try:
            run(request, tip, form.cleaned_data)
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(str(exc.message)) from None
            apply_to_form(form, exc)
        else:
            messages.success(request, SAVED)
            return redirect("tips:tip-detail", pk=tip.pk)
    return _detail(request, _tip_or_404(request, pk), bound={f"{action}_form": form}, status=400)


@require_GET
@readers_required
def tip_evidence_file(request, pk, evidence_pk):
    try:
        evidence = tip_evidence_get(access=request.access, tip_id=pk, pk=evidence_pk)
    except NotFound:
        raise Http404 from None
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type,
                            filename=evidence.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- sanctions --------------------------------------------------------------------------------------------
@readers_required
def sanction_list_view(request):
    sanctions = sanction_list(access=request.access)
    years = sorted({s.scoring_year for s in sanctions}, reverse=True)
    people = {}
    ineligible = []
    for year in years:
        for user_id, reason in award_ineligible_users(year=year).items():
            ineligible.append((year, user_id, reason))
            people[user_id] = None
    names = people_names(people)
    return render(request, "tips/sanction_list.html", {
        "sanctions": sanctions, "can_handle": can_handle(request.access),
        "ineligible": [(year, names.get(user_id, user_id), reason) for year, user_id, reason in ineligible]})


@handlers_required
def sanction_create(request):
    """Also the target of the spot checks' link: `?source=check:<id>&village=<id>` fills the form."""
    initial = {key: request.GET[key] for key in ("source", "village") if request.GET.get(key)}
    form = forms.SanctionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sanction_create(
                actor=request.user, access=request.access, kind=data["kind"], person_name=data["person_name"],
                village_id=data["village"], decided_on=data["decided_on"], decision_maker=data["decision_maker"],
                document_number=data["document_number"], source=data["source"],
                faking_established=data["faking_established"], scoring_year=data["scoring_year"], note=data["note"])
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, SANCTION_SAVED)
            return redirect("tips:sanction-list")
    return render(request, "tips/sanction_form.html", {"form": form})
