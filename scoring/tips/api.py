"""Tips and sanctions over the township API (/t/<code>/api/v1/tips/, .../sanctions/): handlers and
the township office read; handlers act. The reporter's identity is in the output only for the
discipline commission (`reporter` is null for everyone else)."""
from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship
from common.errors import NotFound
from scoring.tips import services, throttle
from scoring.tips.base import RECORD_CHANNELS, TipStatus
from scoring.tips.models import Sanction, Tip, TipMessage, TipNote
from scoring.tips.selectors import (
    any_tip_by_receipt,
    can_read_tips,
    reporter_identity,
    sanction_list,
    tip_get,
    tip_list,
)


class CanReadTips(permissions.BasePermission):
    def has_permission(self, request, view):
        return can_read_tips(request.access)


class ReporterSerializer(serializers.Serializer):
    name = serializers.CharField()
    contact = serializers.CharField()


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = TipMessage
        fields = ["id", "from_reporter", "author_id", "body", "created_at"]


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = TipNote
        fields = ["id", "author_id", "body", "created_at"]


class TipSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reporter = serializers.SerializerMethodField(help_text="Named reporter's identity: discipline commission only.")
    messages = MessageSerializer(many=True, read_only=True)
    notes = NoteSerializer(many=True, read_only=True)

    class Meta:
        model = Tip
        fields = ["id", "channel", "status", "status_label", "subject", "body", "village", "anonymous", "reporter",
                  "received_at", "recorded_by_id", "assigned_to_id", "due_on", "status_changed_at", "outcome",
                  "messages", "notes"]

    @extend_schema_field(ReporterSerializer(allow_null=True))
    def get_reporter(self, obj):
        return reporter_identity(access=self.context["access"], tip=obj)


class TipListSerializer(TipSerializer):
    class Meta(TipSerializer.Meta):
        fields = [f for f in TipSerializer.Meta.fields if f not in ("messages", "notes")]


class ReceiptSerializer(serializers.Serializer):
    receipt = serializers.CharField(help_text="Hand it to the reporter; it is not stored and never shown again.")
    to_county = serializers.BooleanField()
    tip = TipSerializer(allow_null=True)


class IntakeSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=5000)
    village = serializers.IntegerField(required=False, allow_null=True, default=None)
    anonymous = serializers.BooleanField(default=True)
    reporter_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reporter_contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    about_office = serializers.BooleanField(default=False,
                                            help_text="About the township office or leaders: goes to the county.")


class TipRecordSerializer(IntakeSerializer):
    """A tip the supervision office records (phone, box, visit): the intake's fields and the channel."""

    channel = serializers.ChoiceField(choices=RECORD_CHANNELS)


class IntakeReceiptSerializer(serializers.Serializer):
    receipt = serializers.CharField(help_text="Shown once; only its hash is stored.")


class ReceiptQuerySerializer(serializers.Serializer):
    receipt = serializers.CharField(max_length=40)
    body = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                 help_text="Optional: a message to the handlers, added first.")


class ReceiptMessageSerializer(serializers.Serializer):
    from_reporter = serializers.BooleanField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class ReceiptViewSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_label = serializers.CharField()
    messages = ReceiptMessageSerializer(many=True)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TipStatus.choices)
    outcome = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField()
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class TextSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000)


class CorrectionSerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    reason = serializers.CharField(max_length=500)


class CorrectionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    corrects = serializers.IntegerField(source="corrects_id")
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    status = serializers.CharField()
    source = serializers.CharField()


@extend_schema_view(
    list=extend_schema(summary="Tips of the township (handlers and township office)", tags=["tips"]),
    retrieve=extend_schema(summary="One tip with messages and internal notes", tags=["tips"]),
)
class TipViewSet(AccessAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, InTownship, CanReadTips]
    serializer_class = TipSerializer

    def get_queryset(self) -> QuerySet[Tip]:
        if getattr(self, "swagger_fake_view", False):
            return Tip.objects.none()
        queryset = tip_list(access=self.request.access, status=self.request.query_params.get("status", ""))
        return queryset.prefetch_related("messages", "notes") if self.action != "list" else queryset

    def get_serializer_class(self):
        return TipListSerializer if self.action == "list" else TipSerializer

    def _output(self, tip_id, code=status.HTTP_200_OK) -> Response:
        tip = tip_get(access=self.request.access, pk=tip_id)
        return Response(TipSerializer(tip, context=self.get_serializer_context()).data, status=code)

    def _run(self, serializer_class, run):
        tip = self.get_object()
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        run(tip, serializer.validated_data)
        return self._output(tip.pk)

    @extend_schema(summary="Record a tip received by phone, box or visit (handlers)", tags=["tips"],
                   request=TipRecordSerializer, responses={201: ReceiptSerializer, **ERROR_RESPONSES})
    def create(self, request):
        serializer = TipRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tip, code = services.tip_submit(
            subject=data["subject"], body=data["body"], anonymous=data["anonymous"],
            reporter_name=data["reporter_name"], reporter_contact=data["reporter_contact"],
            about_office=data["about_office"], village_id=data["village"], channel=data["channel"],
            actor=request.user, access=request.access)
        township_tip = None if data["about_office"] else TipSerializer(
            tip_get(access=request.access, pk=tip.pk), context=self.get_serializer_context()).data
        return Response({"receipt": code, "to_county": data["about_office"], "tip": township_tip},
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="File a tip (public, no login; throttled per address)", tags=["tips"],
                   request=IntakeSerializer, responses={201: IntakeReceiptSerializer, 429: ERROR_RESPONSES[400],
                                                        **ERROR_RESPONSES})
    @action(detail=False, methods=["post"], permission_classes=[permissions.AllowAny], authentication_classes=[])
    def intake(self, request):
        if throttle.blocked("intake", request._request):
            raise exceptions.Throttled()
        serializer = IntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        _tip, code = services.tip_submit(
            subject=d["subject"], body=d["body"], anonymous=d["anonymous"], reporter_name=d["reporter_name"],
            reporter_contact=d["reporter_contact"], about_office=d["about_office"], village_id=d["village"])
        throttle.hit("intake", request._request)
        return Response({"receipt": code}, status=status.HTTP_201_CREATED)

    @extend_schema(summary="A tip's status and messages by its receipt (public; wrong codes are throttled)",
                   tags=["tips"], request=ReceiptQuerySerializer,
                   responses={200: ReceiptViewSerializer, 429: ERROR_RESPONSES[400], 404: ERROR_RESPONSES[404]})
    @action(detail=False, methods=["post"], permission_classes=[permissions.AllowAny], authentication_classes=[])
    def receipt(self, request):
        if throttle.blocked("receipt", request._request):
            raise exceptions.Throttled()
        serializer = ReceiptQuerySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tip = any_tip_by_receipt(serializer.validated_data["receipt"])
        if tip is None:
            throttle.hit("receipt", request._request)
            raise NotFound()
        if serializer.validated_data["body"].strip():
            services.tip_reporter_message(tip=tip, body=serializer.validated_data["body"])
        return Response({"status": tip.status, "status_label": TipStatus(tip.status).label,
                         "messages": [{"from_reporter": m.from_reporter, "body": m.body, "created_at": m.created_at}
                                      for m in tip.messages.all()]})

    @extend_schema(summary="Move the case one step", tags=["tips"], request=StatusSerializer,
                   responses={200: TipSerializer, 409: ERROR_RESPONSES[400], **ERROR_RESPONSES})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        return self._run(StatusSerializer, lambda tip, d: services.tip_status_set(
            actor=request.user, access=request.access, tip_id=tip.pk, **d))

    @extend_schema(summary="Assign a handler and a due date", tags=["tips"], request=AssignSerializer,
                   responses={200: TipSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._run(AssignSerializer, lambda tip, d: services.tip_assign(
            actor=request.user, access=request.access, tip_id=tip.pk, assignee_id=d["assignee"], due_on=d["due_on"]))

    @extend_schema(summary="Add an internal note (never shown to the reporter)", tags=["tips"],
                   request=TextSerializer, responses={200: TipSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        return self._run(TextSerializer, lambda tip, d: services.tip_note_add(
            actor=request.user, access=request.access, tip_id=tip.pk, body=d["body"]))

    @extend_schema(summary="Send a message to the reporter (shown on the receipt page)", tags=["tips"],
                   request=TextSerializer, responses={200: TipSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def messages(self, request, pk=None):
        return self._run(TextSerializer, lambda tip, d: services.tip_message(
            actor=request.user, access=request.access, tip_id=tip.pk, body=d["body"]))

    @extend_schema(summary="Propose a correcting entry (substantiated tip; goes through review)", tags=["tips"],
                   request=CorrectionSerializer,
                   responses={201: CorrectionResultSerializer, 409: ERROR_RESPONSES[400], **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def corrections(self, request, pk=None):
        tip = self.get_object()
        serializer = CorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        entry = services.tip_correction_propose(actor=request.user, access=request.access, tip_id=tip.pk,
                                                entry_id=d["entry"], points=d["points"], reason=d["reason"])
        return Response(CorrectionResultSerializer(entry).data, status=status.HTTP_201_CREATED)


class SanctionSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    ineligible_user_ids = serializers.SerializerMethodField()

    class Meta:
        model = Sanction
        fields = ["id", "kind", "kind_label", "person_name", "village", "decided_on", "decision_maker",
                  "document_number", "source", "faking_established", "scoring_year", "note", "created_by_id",
                  "created_at", "ineligible_user_ids"]
        read_only_fields = ["created_by_id", "created_at"]
        extra_kwargs = {"scoring_year": {"required": False}, "village": {"required": False}}

    def get_ineligible_user_ids(self, obj) -> list[int]:
        return [row.user_id for row in obj.ineligibilities.all()]


@extend_schema_view(
    list=extend_schema(summary="Sanctions recorded in the township", tags=["tips"]),
    retrieve=extend_schema(summary="One sanction", tags=["tips"]),
)
class SanctionViewSet(AccessAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, InTownship, CanReadTips]
    serializer_class = SanctionSerializer

    def get_queryset(self) -> QuerySet[Sanction]:
        if getattr(self, "swagger_fake_view", False):
            return Sanction.objects.none()
        return sanction_list(access=self.request.access)

    @extend_schema(summary="Record a sanction (handlers); faking removes the secretary's award eligibility",
                   tags=["tips"], request=SanctionSerializer, responses={201: SanctionSerializer, **ERROR_RESPONSES})
    def create(self, request):
        serializer = SanctionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        village = d.get("village")
        sanction = services.sanction_create(
            actor=request.user, access=request.access, kind=d["kind"], person_name=d["person_name"],
            village_id=village.pk if village else None, decided_on=d["decided_on"],
            decision_maker=d["decision_maker"], document_number=d["document_number"], source=d["source"],
            faking_established=d.get("faking_established", False), scoring_year=d.get("scoring_year"),
            note=d.get("note", ""))
        sanction = sanction_list(access=request.access).get(pk=sanction.pk)
        return Response(SanctionSerializer(sanction).data, status=status.HTTP_201_CREATED)
