"""Signals over the API (/t/<code>/api/v1/signals/): the review list, one flag with its entries,
the decisions (dismiss with a note, open a check), the township's thresholds.

Viewing needs the township office, supervision office, discipline commission or county admin
(403 otherwise); deciding one of the first three; the thresholds are changed by the office.
"""
from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship, StableOrderingFilter
from common.errors import PermissionDenied
from scoring.favouritism import selectors, services
from scoring.favouritism.models import Signal, SignalSettings


class CanViewSignals(permissions.BasePermission):
    def has_permission(self, request, view):
        return selectors.can_view(request.access)


class SignalSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(read_only=True, help_text="Why this is a flag, in the request's language.")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    branch_name = serializers.CharField(source="branch.name", allow_null=True, read_only=True, default=None)
    entries_url = serializers.SerializerMethodField()

    class Meta:
        model = Signal
        fields = ["id", "year", "month", "subject", "scorer_id", "scorer_name", "branch", "branch_name", "village",
                  "kind", "kind_label", "value", "peer_value", "threshold", "count", "total", "params", "reason",
                  "entry_ids", "entries_url", "status", "status_label", "decided_by_id", "decided_at",
                  "decision_note"]

    def get_entries_url(self, obj) -> str:
        return reverse("api:signals-entries", kwargs={"pk": obj.pk})


class SignalEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id")
    member_name = serializers.CharField(source="member.name")
    branch = serializers.IntegerField(source="member.branch_id")
    rule_code = serializers.CharField(source="rule.code")
    occurred_on = serializers.DateField()
    entered_at = serializers.DateTimeField()
    entered_by_id = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    is_late = serializers.BooleanField()


class DismissSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class CheckOpenSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CheckOpenedSerializer(serializers.Serializer):
    signal = SignalSerializer()
    check_url = serializers.CharField(help_text="The unannounced check page of the flag's village.")


class SignalSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = SignalSettings
        fields = services.SETTINGS_FIELDS


@extend_schema_view(
    list=extend_schema(summary="Favouritism flags of the township", tags=["signals"]),
    retrieve=extend_schema(summary="One favouritism flag with its reason", tags=["signals"]),
)
class SignalViewSet(AccessAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, InTownship, CanViewSignals]
    serializer_class = SignalSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = selectors.SignalFilter
    ordering_fields = ["year", "month", "kind", "value", "status"]

    def get_queryset(self) -> QuerySet[Signal]:
        if getattr(self, "swagger_fake_view", False):
            return Signal.objects.none()
        return selectors.signal_list(access=self.request.access)

    def _output(self, signal_id: int) -> dict:
        signal = selectors.signal_get(access=self.request.access, pk=signal_id)
        return SignalSerializer(signal, context=self.get_serializer_context()).data

    @extend_schema(summary="The entries a flag is about", tags=["signals"],
                   responses={200: SignalEntrySerializer(many=True), **ERROR_RESPONSES})
    @action(detail=True, methods=["get"])
    def entries(self, request, pk=None):
        signal = self.get_object()
        entries = selectors.signal_entries(access=request.access, signal=signal)
        return Response(SignalEntrySerializer(entries, many=True).data)

    @extend_schema(summary="Dismiss a flag with a note", tags=["signals"], request=DismissSerializer,
                   responses={200: SignalSerializer, 409: ERROR_RESPONSES[400], **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        signal = self.get_object()
        serializer = DismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.signal_dismiss(actor=request.user, access=request.access, signal_id=signal.pk,
                                note=serializer.validated_data["note"])
        return Response(self._output(signal.pk))

    @extend_schema(summary="Decide to check the flag's village (returns the unannounced check page)",
                   tags=["signals"], request=CheckOpenSerializer,
                   responses={200: CheckOpenedSerializer, 409: ERROR_RESPONSES[400], **ERROR_RESPONSES})
    @action(detail=True, methods=["post"], url_path="check")
    def check(self, request, pk=None):
        signal = self.get_object()
        serializer = CheckOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _signal, path = services.signal_check_open(actor=request.user, access=request.access, signal_id=signal.pk,
                                                   note=serializer.validated_data["note"])
        return Response({"signal": self._output(signal.pk), "check_url": path})


class SignalSettingsView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship, CanViewSignals]

    @extend_schema(summary="The township's signal thresholds", tags=["signals"],
                   responses={200: SignalSettingsSerializer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(SignalSettingsSerializer(services.settings_get()).data)

    @extend_schema(summary="Change the township's signal thresholds (township office)", tags=["signals"],
                   request=SignalSettingsSerializer, responses={200: SignalSettingsSerializer, **ERROR_RESPONSES})
    def patch(self, request):
        if not request.access.runs_scoring:
            raise PermissionDenied()
        serializer = SignalSettingsSerializer(services.settings_get(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        settings = services.settings_update(actor=request.user, access=request.access, **serializer.validated_data)
        return Response(SignalSettingsSerializer(settings).data)
