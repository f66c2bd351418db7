"""Reads of the favouritism signals, scoped by `accounts.access.Access`.

Who sees flags: the township office, the supervision office, the discipline commission and the
county admin (all township-wide in their township); nobody else (an empty queryset). Each
township's flags live in its own schema, so one township never sees another's.
"""
from __future__ import annotations

import django_filters
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from accounts.models import Role
from common.errors import NotFound
from scoring.favouritism.models import Signal, SignalRun
from scoring.ledger.models import Entry
from scoring.ledger.selectors import entry_scope

VIEWING_ROLES = (Role.TOWNSHIP_OFFICE, Role.SUPERVISION_OFFICE, Role.DISCIPLINE_COMMISSION)


def can_view(access: Access) -> bool:
    return access.is_county_admin or access.has_role(*VIEWING_ROLES)


class SignalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Signal.Status.choices, label=_("status"))
    kind = django_filters.ChoiceFilter(choices=Signal.Kind.choices, label=_("kind"))
    subject = django_filters.ChoiceFilter(choices=Signal.Subject.choices, label=_("subject"))
    year = django_filters.NumberFilter(label=_("year"))
    month = django_filters.NumberFilter(label=_("month"))
    branch = django_filters.NumberFilter(field_name="branch_id", label=_("branch"))
    scorer = django_filters.NumberFilter(field_name="scorer_id", label=_("scorer"))

    class Meta:
        model = Signal
        fields = ["status", "kind", "subject", "year", "month", "branch", "scorer"]


def signal_list(*, access: Access, filters: dict | None = None) -> QuerySet[Signal]:
    if not can_view(access):
        return Signal.objects.none()
    qs = Signal.objects.select_related("branch", "village")
    return SignalFilter(filters or {}, queryset=qs).qs


def signal_get(*, access: Access, pk: int) -> Signal:
    signal = signal_list(access=access).filter(pk=pk).first()
    if signal is None:
        raise NotFound()
    return signal


def signal_entries(*, access: Access, signal: Signal) -> QuerySet[Entry]:
    """The entries the flag is about, as far as the asker may see them."""
    return (entry_scope(access).filter(pk__in=signal.entry_ids)
            .select_related("member", "member__branch", "rule", "posting").order_by("entered_at", "pk"))


def run_list() -> QuerySet[SignalRun]:
    return SignalRun.objects.all()


def open_counts_by_kind() -> dict[str, int]:
    """Open flags of the current township per kind (the county rollup reads it per township)."""
    return dict(Signal.objects.filter(status=Signal.Status.OPEN).values("kind").annotate(n=Count("id"))
                .values_list("kind", "n"))


OPEN_BY_KIND_SQL = "SELECT kind, count(*) AS n FROM {schema}.favouritism_signal WHERE status = %s GROUP BY kind"


def county_rollup(*, access: Access) -> tuple[list[tuple[object, dict[str, int]]], dict[str, int]]:
    """Open flags per ready township and kind (what `open_counts_by_kind` counts in each), plus
    the totals: ONE statement over every ready township's schema (`crossschema.union_all`).

    County admin only (PermissionDenied otherwise); called in the public schema.
    """
    from common.errors import PermissionDenied
    from tenants.townships.crossschema import union_all
    from tenants.townships.selectors import township_list_ready

    if not access.is_county_admin:
        raise PermissionDenied()
    townships = list(township_list_ready())
    counts: dict[int, dict[str, int]] = {}
    for row in union_all(townships=townships, sql=OPEN_BY_KIND_SQL, params=[Signal.Status.OPEN.value]):
        counts.setdefault(row["township_id"], {})[row["kind"]] = row["n"]
    rows, totals = [], {}
    for township in townships:
        rows.append((township, counts.get(township.pk, {})))
        for kind, n in counts.get(township.pk, {}).items():
            totals[kind] = totals.get(kind, 0) + n
    return rows, totals
