"""Appraisal and pay over the API: /t/<code>/api/v1/staffing/appraisals/, .../pay/... Reads go through
the scoped selectors (a clerk sees only their own); writes need the township office (a clerk may comment
on their own appraisal) and call the services."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, ErrorSerializer, InTownship
from common.api import xlsx_schema_responses
from common.errors import NotFound, PermissionDenied
from common.excel import xlsx_response
from staffing.appraisal import calc, selectors, services
from staffing.appraisal.exports import pay_sheet_filename, pay_sheet_workbook
from staffing.appraisal.models import Appraisal, PayLine, PaySheet

TAGS = ["staffing"]
WRITE_RESPONSES = {**ERROR_RESPONSES, 409: ErrorSerializer}


class AppraisalSerializer(serializers.ModelSerializer):
    clerk_name = serializers.CharField(source="clerk.name", read_only=True)
    starts_on = serializers.DateField(source="period.starts_on", read_only=True)
    ends_on = serializers.DateField(source="period.ends_on", read_only=True)

    class Meta:
        model = Appraisal
        fields = ["id", "period", "starts_on", "ends_on", "clerk", "clerk_name", "signals", "office_scores",
                  "components", "score", "grade", "coefficient", "appraised_at", "clerk_comment"]


class AppraisalRequestSerializer(serializers.Serializer):
    period = serializers.IntegerField(min_value=1)
    clerk = serializers.IntegerField(min_value=1)
    village_observation = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    township_push = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    branch_material = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    unannounced_check = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, allow_blank=True)


class PayLineSerializer(serializers.ModelSerializer):
    clerk_name = serializers.CharField(source="clerk.name", read_only=True)
    year = serializers.IntegerField(source="sheet.year", read_only=True)
    month = serializers.IntegerField(source="sheet.month", read_only=True)
    sheet_status = serializers.CharField(source="sheet.status", read_only=True)

    class Meta:
        model = PayLine
        fields = ["id", "sheet", "year", "month", "sheet_status", "clerk", "clerk_name", "grade", "coefficient",
                  "base", "allowance", "performance", "total", "social_insurance", "corrects", "note"]


class PaySheetSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaySheet
        fields = ["id", "year", "month", "status", "prepared_at", "approved_at"]


class PrepareSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)


class AppraisalAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    def _office(self):
        if not selectors.sees_all(self.request.access):
            raise PermissionDenied()

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class AppraisalListView(AppraisalAPIView):
    @extend_schema(responses={200: AppraisalSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_appraisals_list", summary="Appraisals (a clerk: only their own)")
    def get(self, request):
        return Response(AppraisalSerializer(selectors.appraisal_scope(request.access)[:500], many=True).data)

    @extend_schema(request=AppraisalRequestSerializer, responses={201: AppraisalSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="staffing_appraisals_record",
                   summary="Compute a clerk's appraisal for a period (township office; never oneself)")
    def post(self, request):
        self._office()
        data = self._valid(AppraisalRequestSerializer)
        appraisal = services.appraisal_record(actor=request.user, access=request.access, period_id=data["period"],
                                              clerk_id=data["clerk"],
                                              office_scores={k: data[k] for k in calc.OFFICE_KEYS})
        return Response(AppraisalSerializer(appraisal).data, status=status.HTTP_201_CREATED)


class AppraisalCommentView(AppraisalAPIView):
    @extend_schema(request=CommentSerializer, responses={200: AppraisalSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="staffing_appraisal_comment", summary="The appraised clerk's comment")
    def post(self, request, pk: int):
        data = self._valid(CommentSerializer)
        appraisal = services.appraisal_comment(actor=request.user, appraisal_id=pk, comment=data["comment"])
        return Response(AppraisalSerializer(appraisal).data)


class PayLineListView(AppraisalAPIView):
    @extend_schema(responses={200: PayLineSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_pay_lines_list", summary="Pay lines (a clerk: only their own slips)")
    def get(self, request):
        return Response(PayLineSerializer(selectors.pay_line_scope(request.access)[:1000], many=True).data)


class PaySheetListView(AppraisalAPIView):
    @extend_schema(responses={200: PaySheetSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_pay_sheets_list", summary="Pay sheets (township office)")
    def get(self, request):
        self._office()
        return Response(PaySheetSerializer(selectors.sheet_scope(request.access)[:120], many=True).data)

    @extend_schema(request=PrepareSerializer, responses={201: PaySheetSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="staffing_pay_sheets_prepare",
                   summary="Prepare (recompute) the month's draft pay sheet; refused below the floor")
    def post(self, request):
        self._office()
        data = self._valid(PrepareSerializer)
        sheet = services.pay_sheet_prepare(actor=request.user, access=request.access, year=data["year"],
                                           month=data["month"])
        return Response(PaySheetSerializer(sheet).data, status=status.HTTP_201_CREATED)


class PaySheetApproveView(AppraisalAPIView):
    @extend_schema(request=None, responses={200: PaySheetSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="staffing_pay_sheet_approve", summary="Approve (freeze) a pay sheet")
    def post(self, request, pk: int):
        self._office()
        sheet = services.pay_sheet_approve(actor=request.user, access=request.access, sheet_id=pk)
        return Response(PaySheetSerializer(sheet).data)


class ExceptionRequestSerializer(serializers.Serializer):
    clerk = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)
    reason = serializers.CharField(max_length=2000)


class ExceptionResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class PayExceptionRequestView(AppraisalAPIView):
    @extend_schema(request=ExceptionRequestSerializer, responses={201: ExceptionResponseSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="staffing_pay_exception_request",
                   summary="Ask the county to allow one clerk's month below the floor (township office)")
    def post(self, request):
        from django.db import connection

        from common.errors import NotFound
        from staffing.clerks.models import Clerk
        from staffing.county.services import pay_exception_request

        self._office()
        data = self._valid(ExceptionRequestSerializer)
        if not Clerk.objects.filter(pk=data["clerk"]).exists():
            raise NotFound()
        exc = pay_exception_request(actor=request.user, township_code=connection.tenant.code, clerk_id=data["clerk"],
                                    year=data["year"], month=data["month"], reason=data["reason"])
        return Response({"id": exc.pk, "status": exc.status}, status=status.HTTP_201_CREATED)


class CorrectionSerializer(serializers.Serializer):
    base = serializers.DecimalField(max_digits=9, decimal_places=2, default=0)
    allowance = serializers.DecimalField(max_digits=9, decimal_places=2, default=0)
    performance = serializers.DecimalField(max_digits=9, decimal_places=2, default=0)
    note = serializers.CharField(max_length=2000)


class PayLineCorrectView(AppraisalAPIView):
    @extend_schema(request=CorrectionSerializer, responses={201: PayLineSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="staffing_pay_line_correct",
                   summary="Correct an approved line with a new line of differences (township office)")
    def post(self, request, pk: int):
        self._office()
        data = self._valid(CorrectionSerializer)
        line = services.pay_line_correct(actor=request.user, access=request.access, line_id=pk, base=data["base"],
                                         allowance=data["allowance"], performance=data["performance"],
                                         note=data["note"])
        return Response(PayLineSerializer(line).data, status=status.HTTP_201_CREATED)


class PaySheetExportView(AppraisalAPIView):
    @extend_schema(responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS,
                   operation_id="staffing_pay_sheet_export", summary="A pay sheet as Excel (township office)")
    def get(self, request, pk: int):
        self._office()
        sheet = selectors.sheet_scope(request.access).filter(pk=pk).first()
        if sheet is None:
            raise NotFound()
        return xlsx_response(pay_sheet_workbook(sheet), pay_sheet_filename(sheet))
