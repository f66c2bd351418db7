"""Audit events over the API, read-only.

The same view serves the county trail (/api/v1/audit-events/, county admins) and a township's
(/t/<code>/api/v1/audit-events/, whoever `access.can_view_audit` allows there): each reads the
audit table of the schema the request runs in.
"""
from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship, StableOrderingFilter
from audit.exports import audit_events_filename, audit_events_sheet
from audit.models import AuditEvent
from audit.selectors import AuditEventFilter, audit_event_list, audit_snapshots_for
from common import clock
from common.api import xlsx_schema_responses
from common.errors import PERMISSION_DENIED
from common.tables import export_bound, xlsx_download


class CanViewAudit(permissions.BasePermission):
    message = PERMISSION_DENIED

    def has_permission(self, request, view):
        return request.access.can_view_audit


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "occurred_at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr",
                  "before", "after"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["before"], data["after"] = audit_snapshots_for(instance, access=self.context.get("access"))
        return data


@extend_schema_view(
    list=extend_schema(summary="Audit events of this township (or of the county), newest first"),
    retrieve=extend_schema(summary="One audit event"),
)
class AuditEventViewSet(AccessAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Who changed what and when, in this township (or at county level)."""

    permission_classes = [permissions.IsAuthenticated, InTownship, CanViewAudit]
    serializer_class = AuditEventSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = AuditEventFilter
    ordering_fields = ["occurred_at", "action", "object_type"]

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        return audit_event_list()

    @extend_schema(summary="The filtered audit events as .xlsx: newest first, at most 20,000 rows, times in the "
                           "township's time zone (the list's filters apply)",
                   responses=xlsx_schema_responses(ERROR_RESPONSES))
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        events = self.filter_queryset(self.get_queryset())
        export_bound(events.count())
        zone = request.tenant.time_zone_info()
        return xlsx_download(audit_events_filename(request.tenant, clock.today(zone=zone)),
                             audit_events_sheet(events, access=request.access, zone=zone))
