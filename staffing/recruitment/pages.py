"""View helpers shared by the township's and the county's recruitment pages: the public application
page (no account, throttled per address), the candidate's offer page (decline by link), the published
ranking rows, and serving an applicant's document to the office running the round."""
from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, apply_to_form
from scoring.ledger.evidence import evidence_response
from staffing.recruitment import throttle
from staffing.recruitment.base import ApplicationStatus, DocumentKind

THROTTLED = _("Too many applications from this address. Please try again later.")
DECLINED = _("You have declined the offer. Thank you for your interest.")
# Form field of each document kind on the public page ("evidence": any other documents).
DOCUMENT_FIELDS = {DocumentKind.ID_CARD: "id_card", DocumentKind.DIPLOMA: "diploma", DocumentKind.OTHER: "evidence"}


def uploaded_documents(request) -> dict:
    return {kind: request.FILES.getlist(field) for kind, field in DOCUMENT_FIELDS.items()}


def apply_page(request, *, round_, form, is_open: bool, submit, context: dict | None = None):
    """GET shows the form; a POST (throttled per address) calls `submit(cleaned_data, documents)`;
    a refusal is shown on the form with its reason (400), nothing stored."""
    context = {"round": round_, "form": form, "is_open": is_open, **(context or {})}
    if request.method != "POST":
        return render(request, "recruitment/apply.html", context)
    if throttle.blocked(request):
        return render(request, "recruitment/apply.html", {**context, "throttled": THROTTLED}, status=429)
    if not form.is_valid():
        return render(request, "recruitment/apply.html", context, status=400)
    throttle.hit(request)
    try:
        submit(form.cleaned_data, uploaded_documents(request))
    except DomainError as exc:
        apply_to_form(form, exc)
        return render(request, "recruitment/apply.html", context, status=400)
    return render(request, "recruitment/apply_done.html", {"round": round_})


def offer_page(request, *, application, decline, post_label: str = ""):
    """The candidate's page behind the offer link: the offer and its deadline, and a button to decline
    (POST). An unknown, forged or no longer open offer is a 404 (the caller passes None)."""
    from django.http import Http404

    if application is None:
        raise Http404
    if request.method == "POST":
        if throttle.blocked(request):
            return render(request, "recruitment/offer.html", {"application": application, "post": post_label,
                                                              "throttled": THROTTLED}, status=429)
        throttle.hit(request)
        decline(application)
        return render(request, "recruitment/offer.html", {"application": application, "post": post_label,
                                                          "declined": DECLINED})
    return render(request, "recruitment/offer.html", {"application": application, "post": post_label})


def mask(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 2, 1) + (name[-1:] if len(name) > 2 else "")


def ranking_rows(applications) -> list[dict]:
    """The published ranking: rank, masked name and scores only."""
    return [{"rank": a.rank, "name": mask(a.name), "written": a.written_score, "interview": a.interview_score,
             "total": a.total, "offered": a.status in (ApplicationStatus.OFFERED, ApplicationStatus.ACCEPTED),
             "post": str(a.post.township.name) if hasattr(a, "post") else ""}
            for a in applications]


def document_page(document):
    """An applicant's document, to the office running the round only (the caller found it in its
    scope, else 404): never a public media URL, never cached by shared caches."""
    response = evidence_response(document)
    response["Cache-Control"] = "private, no-store"
    return response
