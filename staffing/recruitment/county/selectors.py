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


# Per post: the villages of its township where the hire may be placed (all when the post names none),
# in code order, as one SELECT per schema for `crossschema.union_all`.
POST_VILLAGES_SQL = """
SELECT id, name, row_number() OVER (ORDER BY code) AS position FROM {schema}.organisation_village
 WHERE %s::bigint[] IS NULL OR id = ANY(%s::bigint[])
"""


def post_villages(posts) -> dict[int, list[tuple[int, str]]]:
    """Village (id, name) choices per post id, read from every post's township in ONE statement
    (`crossschema.union_all`) whatever the number of townships. Posts are one per township."""
    from tenants.townships.crossschema import union_all

    by_township = {post.township_id: post for post in posts}

    def params(township) -> list:
        allowed = list(by_township[township.pk].village_ids) or None
        return [allowed, allowed]

    out: dict[int, list[tuple[int, str]]] = {post.pk: [] for post in by_township.values()}
    rows = union_all(townships=[post.township for post in by_township.values()], sql=POST_VILLAGES_SQL,
                     params=params)
    for row in sorted(rows, key=lambda r: r["position"]):
        out[by_township[row["township_id"]].pk].append((row["id"], row["name"]))
    return out
