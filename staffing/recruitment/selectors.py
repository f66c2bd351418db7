"""Reads of recruitment. Applicants' personal data are seen only by the office of the township
running the round: not by other townships (separate schemas), not by clerks, not by the county."""
from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Role
from staffing.recruitment.models import Application, Document, Round


def runs_recruitment(access) -> bool:
    return access.has_role(Role.TOWNSHIP_OFFICE)


def round_scope(access) -> QuerySet[Round]:
    return Round.objects.all() if runs_recruitment(access) else Round.objects.none()


def application_scope(access) -> QuerySet[Application]:
    if not runs_recruitment(access):
        return Application.objects.none()
    return Application.objects.select_related("round").prefetch_related("documents")


def round_public(pk: int) -> Round | None:
    """The round as the public page shows it (no applicant data)."""
    return Round.objects.filter(pk=pk).prefetch_related("villages").first()


def document_scope(access) -> QuerySet[Document]:
    """Applicants' documents: the township office only (anyone else finds nothing: 404)."""
    if not runs_recruitment(access):
        return Document.objects.none()
    return Document.objects.select_related("application")
