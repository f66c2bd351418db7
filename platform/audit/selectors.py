import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="icontains", label=_("action"))
    object_type = django_filters.CharFilter(lookup_expr="exact", label=_("object type"))
    object_id = django_filters.CharFilter(lookup_expr="exact", label=_("object id"))
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains", label=_("actor"))
    since = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label=_("from"))
    until = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label=_("to"))

    class Meta:
        model = AuditEvent
        fields = ["action", "object_type", "object_id", "actor", "since", "until"]


def audit_event_list(*, filters: dict | None = None) -> QuerySet[AuditEvent]:
    """Audit events of the current schema, newest first, filtered."""
    qs = AuditEvent.objects.all()
    return AuditEventFilter(filters or {}, queryset=qs).qs


# Snapshot keys holding resident ID numbers, masked for viewers who may not see them.
ID_NUMBER_KEYS = frozenset({"id_number"})


def audit_snapshots_for(event: AuditEvent, *, access) -> tuple[dict | None, dict | None]:
    """The event's `before` and `after` as `access` may see them: resident ID numbers masked
    unless the viewer may see them (`access.can_view_id_numbers`, the township office). Every
    rendering of audit data (pages, API, exports) reads the snapshots through here."""
    from tenants.organisation.validators import mask_id_number

    show = access is not None and access.can_view_id_numbers

    def visible(snapshot):
        if show or not isinstance(snapshot, dict):
            return snapshot
        return {k: mask_id_number(v) if k in ID_NUMBER_KEYS and isinstance(v, str) else v for k, v in snapshot.items()}

    return visible(event.before), visible(event.after)
