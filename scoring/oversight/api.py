"""Spot checks over the API (/t/<code>/api/v1/oversight/): draws with their verification inputs,
checks with members and findings, recording findings, unannounced checks. Reads go through the
scoped selectors; writes call the services, which check the asker's rights."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship
from common.api import xlsx_schema_responses
from common.errors import NotFound, PermissionDenied
from common.excel import xlsx_response
from scoring.oversight import selectors, services
from scoring.oversight.exports import month_report_workbook
from scoring.oversight.models import Check, CheckMember, Draw, Finding

TAGS = ["oversight"]


class DrawSerializer(serializers.ModelSerializer):
    class Meta:
        model = Draw
        fields = ["id", "year", "month", "status", "commitment", "committed_at", "drawn_codes", "drawn_at"]


class DrawInputsSerializer(serializers.Serializer):
    algorithm = serializers.CharField()
    township = serializers.CharField()
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    commitment = serializers.CharField()
    committed_at = serializers.CharField()
    seed = serializers.CharField()
    public_value_source = serializers.CharField()
    public_value = serializers.CharField()
    seal_lines = serializers.ListField(child=serializers.CharField())
    override = serializers.CharField(allow_blank=True)
    override_source = serializers.CharField(allow_blank=True)
    share = serializers.CharField()
    village_codes = serializers.ListField(child=serializers.CharField())
    villages = serializers.ListField(child=serializers.DictField())
    forced_codes = serializers.ListField(child=serializers.CharField())
    forced = serializers.ListField(child=serializers.DictField())
    drawn_codes = serializers.ListField(child=serializers.CharField())


class CheckMemberSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = CheckMember
        fields = ["member", "member_name", "position", "is_key", "key_reasons"]


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "entry", "result", "reason", "note", "correction", "recorded_by_id", "recorded_at"]


class CheckSerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="village.code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    team = serializers.SerializerMethodField()
    members = CheckMemberSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)

    class Meta:
        model = Check
        fields = ["id", "draw", "kind", "village", "village_code", "village_name", "year", "month", "status",
                  "due_on", "opened_at", "completed_at", "team", "members", "findings"]

    def get_team(self, obj) -> list[int]:
        return list(obj.team.values_list("user_id", flat=True))


class FindingRequestSerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    result = serializers.ChoiceField(choices=Finding.Result.choices)
    reason = serializers.ChoiceField(choices=Finding.Reason.choices, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    points = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)


class UnannouncedRequestSerializer(serializers.Serializer):
    village = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class OversightAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _draw(self, pk) -> Draw:
        draw = selectors.draw_list(access=self.request.access).filter(pk=pk).first()
        if draw is None:
            raise Http404
        return draw

    def _check(self, pk) -> Check:
        check = selectors.check_list(access=self.request.access).filter(pk=pk).first()
        if check is None:
            raise Http404
        return check


class DrawListView(OversightAPIView):
    @extend_schema(responses={200: DrawSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="oversight_draws_list", summary="Spot-check draws you may see")
    def get(self, request):
        return Response(DrawSerializer(selectors.draw_list(access=request.access), many=True).data)


class DrawDetailView(OversightAPIView):
    @extend_schema(responses={200: DrawSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="oversight_draw_get", summary="One draw")
    def get(self, request, pk):
        return Response(DrawSerializer(self._draw(pk)).data)


class DrawInputsView(OversightAPIView):
    @extend_schema(responses={200: DrawInputsSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="oversight_draw_inputs",
                   summary="Every input of a made draw, for tools/verify_draw.py")
    def get(self, request, pk):
        draw = self._draw(pk)
        if draw.status != Draw.Status.DRAWN:
            raise Http404
        return Response(services.draw_json(draw))


class CheckListView(OversightAPIView):
    @extend_schema(responses={200: CheckSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="oversight_checks_list", summary="Checks you run or are on the team of")
    def get(self, request):
        qs = selectors.check_list(access=request.access).prefetch_related("members__member", "findings", "team")
        return Response(CheckSerializer(qs[:200], many=True).data)


class CheckDetailView(OversightAPIView):
    @extend_schema(responses={200: CheckSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="oversight_check_get", summary="One check with its members and findings")
    def get(self, request, pk):
        return Response(CheckSerializer(self._check(pk)).data)


class FindingCreateView(OversightAPIView):
    @extend_schema(request=FindingRequestSerializer, responses={201: FindingSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="oversight_finding_create",
                   summary="Mark an entry confirmed or a discrepancy (a discrepancy with points proposes a correction)")
    def post(self, request, pk):
        check = self._check(pk)
        data = self._valid(FindingRequestSerializer)
        finding = services.finding_record(actor=request.user, access=request.access, check_id=check.pk,
                                          entry_id=data["entry"], result=data["result"],
                                          reason=data.get("reason", ""), note=data.get("note", ""),
                                          points=data.get("points"))
        return Response(FindingSerializer(finding).data, status=status.HTTP_201_CREATED)


class CheckCompleteView(OversightAPIView):
    @extend_schema(request=None, responses={200: CheckSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="oversight_check_complete", summary="Complete a check")
    def post(self, request, pk):
        check = self._check(pk)
        return Response(CheckSerializer(services.check_complete(actor=request.user, access=request.access,
                                                                check_id=check.pk)).data)


class UnannouncedView(OversightAPIView):
    @extend_schema(request=UnannouncedRequestSerializer, responses={201: CheckSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="oversight_check_unannounced",
                   summary="Open an unannounced check of a village (office, supervision, discipline)")
    def post(self, request):
        data = self._valid(UnannouncedRequestSerializer)
        check = services.check_unannounced_open(actor=request.user, access=request.access,
                                                village_id=data["village"], note=data.get("note", ""))
        return Response(CheckSerializer(check).data, status=status.HTTP_201_CREATED)


class MonthReportExportView(OversightAPIView):
    """The monthly spot-check report as Excel, as on the report page (township office, supervision)."""

    @extend_schema(responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS,
                   operation_id="oversight_month_report_export", summary="The month's spot-check report (.xlsx)")
    def get(self, request, year: int, month: int):
        if not services.can_run_checks(request.access):
            raise PermissionDenied()
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise NotFound()
        return xlsx_response(month_report_workbook(year=year, month=month), f"spot-checks-{year}-{month:02d}.xlsx")
