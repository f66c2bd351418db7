"""Reads of county-wide rounds. Applicants' personal data and documents are seen only by the county
office running them (county admins); township offices, clerks and everyone else see nothing."""
from __future__ import annotations

from django.db.models import QuerySet

from staffing.recruitment.county.models import CountyApplication, CountyDocument, CountyPost, CountyRound


def runs_county_recruitment(access) -> bool:
    return bool(getattr(access, "is_county_admin", False))


def county_round_scope(access) -> QuerySet[CountyRound]:
    if not runs_county_recruitment(access):
        return CountyRound.objects.none()
    return CountyRound.objects.prefetch_related("township_posts__township")


def county_application_scope(access) -> QuerySet[CountyApplication]:
    if not runs_county_recruitment(access):
        return CountyApplication.objects.none()
    return (CountyApplication.objects.select_related("round", "post__township")
            .prefetch_related("documents").order_by("post__township__code", "rank", "pk"))


def county_document_scope(access) -> QuerySet[CountyDocument]:
    if not runs_county_recruitment(access):
        return CountyDocument.objects.none()
    return CountyDocument.objects.select_related("application")


def county_round_public(pk: int) -> CountyRound | None:
    """The round as the public page shows it (posts, no applicant data)."""
    return CountyRound.objects.filter(pk=pk).prefetch_related("township_posts__township").first()


def county_posts(round_: CountyRound) -> QuerySet[CountyPost]:
    return CountyPost.objects.filter(round=round_).select_related("township")
