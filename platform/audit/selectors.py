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
