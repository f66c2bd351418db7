"""Reads of tips routed to the county, and the county's rollup of tips by status per township.
County admins only (the county's own discipline role, if one is added, would join here)."""
from __future__ import annotations

from django.db.models import QuerySet

from accounts.access import Access
from common.errors import NotFound
from scoring.tips.county.models import CountyTip
from scoring.tips.receipts import receipt_fingerprint, receipt_matches


def can_handle_county_tips(access: Access) -> bool:
    return access.is_county_admin


def county_tip_list(*, access: Access, status: str = "") -> QuerySet[CountyTip]:
    if not can_handle_county_tips(access):
        return CountyTip.objects.none()
    tips = CountyTip.objects.select_related("township")
    return tips.filter(status=status) if status else tips


def county_tip_get(*, access: Access, pk: int) -> CountyTip:
    tip = county_tip_list(access=access).filter(pk=pk).prefetch_related("messages", "notes").first()
    if tip is None:
        raise NotFound()
    return tip


def county_tip_by_receipt(digits: str, *, township_id: int) -> CountyTip | None:
    tip = CountyTip.objects.filter(receipt_fingerprint=receipt_fingerprint(digits), township_id=township_id).first()
    if tip is None or not receipt_matches(digits, salt_hex=tip.receipt_salt, stored_hash=tip.receipt_hash):
        return None
    return tip


TIPS_BY_STATUS_SQL = "SELECT status, count(*) AS n FROM {schema}.tips_tip GROUP BY status"


def tips_rollup(*, access: Access) -> list[dict]:
    """Per ready township: its tips by status (what `tips_by_status` counts in its schema), and the
    tips about it routed to the county. Two statements whatever the number of townships: the
    county's own tips, and ONE over every ready township's schema (`crossschema.union_all`)."""
    from django.db.models import Count

    from tenants.townships.crossschema import union_all
    from tenants.townships.selectors import township_list_ready

    if not can_handle_county_tips(access):
        return []
    county = {}
    for township_id, status, n in CountyTip.objects.values_list("township_id", "status").annotate(n=Count("id")):
        county.setdefault(township_id, {})[status] = n
    townships = list(township_list_ready())
    own: dict[int, dict[str, int]] = {}
    for row in union_all(townships=townships, sql=TIPS_BY_STATUS_SQL):
        own.setdefault(row["township_id"], {})[row["status"]] = row["n"]
    rows = []
    for township in townships:
        counts = own.get(township.pk, {})
        rows.append({"township": township, "counts": counts, "total": sum(counts.values()),
                     "county_counts": county.get(township.pk, {}),
                     "county_total": sum(county.get(township.pk, {}).values())})
    return rows
