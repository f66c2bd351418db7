"""Roster import and the organisation's Excel exports over the API (/t/<code>/api/v1/roster/), with
the same services, selectors and rights as the roster pages (`roster_views`):

- `POST roster/imports/` uploads an .xlsx (township office); the import runs in Celery. Poll
  `GET roster/imports/<id>/` for its progress; a rejected import's report is
  `GET roster/imports/<id>/errors/` (.xlsx). `GET roster/template/` is the empty workbook.
- `GET roster/export/members/` (`villages/`, `branches/`): the lists as .xlsx, with the list
  endpoints' filters in the query string and the asker's scope (ID numbers masked except for the
  township office).
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship
from common import clock
from common.api import xlsx_schema_responses
from common.errors import NotFound, PermissionDenied
from common.excel import xlsx_response
from tenants.organisation.models import RosterImport
from tenants.organisation.roster import (
    ERRORS_SHOWN,
    branches_workbook,
    errors_workbook,
    members_workbook,
    roster_import_create,
    roster_import_get,
    roster_import_list,
    roster_template_workbook,
    villages_workbook,
)
from tenants.organisation.selectors import branch_list, member_list, village_list

TAGS = ["roster"]


class RosterErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class RosterImportSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    error_count = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField(help_text=f"The first {ERRORS_SHOWN} errors; all in errors/.")

    class Meta:
        model = RosterImport
        fields = ["id", "original_name", "status", "status_label", "total_rows", "processed_rows", "created_count",
                  "error_count", "errors", "created_at", "finished_at"]

    def get_error_count(self, obj) -> int:
        return len(obj.errors or [])

    @extend_schema_field(RosterErrorSerializer(many=True))
    def get_errors(self, obj):
        return (obj.errors or [])[:ERRORS_SHOWN]


class RosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An .xlsx workbook laid out like roster/template/.")


def _filename(request, stem: str) -> str:
    return f"{stem}-{request.tenant.code}-{clock.today(request.tenant):%Y%m%d}.xlsx"


class RosterAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    def _office(self) -> None:
        if not self.request.access.can_manage_organisation:
            raise PermissionDenied()

    def _import(self, pk: int) -> RosterImport:
        try:
            return roster_import_get(pk=pk)
        except RosterImport.DoesNotExist:
            raise NotFound() from None


class RosterImportListView(RosterAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: RosterImportSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="roster_imports_list", summary="The latest roster imports (township office)")
    def get(self, request):
        self._office()
        return Response(RosterImportSerializer(roster_import_list()[:50], many=True).data)

    @extend_schema(request={"multipart/form-data": RosterUploadSerializer},
                   responses={202: RosterImportSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="roster_import_upload",
                   summary="Upload a roster (.xlsx); it is checked and imported in the background")
    def post(self, request):
        self._office()
        serializer = RosterUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        roster = roster_import_create(actor=request.user, access=request.access,
                                      upload=serializer.validated_data["file"])
        return Response(RosterImportSerializer(roster_import_get(pk=roster.pk)).data, status=status.HTTP_202_ACCEPTED)


class RosterImportDetailView(RosterAPIView):
    @extend_schema(responses={200: RosterImportSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="roster_import_get", summary="Progress and result of one roster import")
    def get(self, request, pk: int):
        self._office()
        return Response(RosterImportSerializer(self._import(pk)).data)


class RosterImportErrorsView(RosterAPIView):
    @extend_schema(responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS, operation_id="roster_import_errors",
                   summary="The error report of a rejected import (.xlsx)")
    def get(self, request, pk: int):
        self._office()
        roster = self._import(pk)
        if roster.status != RosterImport.Status.FAILED:
            raise NotFound()
        return xlsx_response(errors_workbook(roster), _filename(request, f"roster-errors-{roster.pk}"))


class RosterTemplateView(RosterAPIView):
    @extend_schema(responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS, operation_id="roster_template",
                   summary="The empty roster workbook to fill in (.xlsx)")
    def get(self, request):
        self._office()
        return xlsx_response(roster_template_workbook(), _filename(request, "roster-template"))


class MemberExportView(RosterAPIView):
    @extend_schema(responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS, operation_id="export_members",
                   summary="Members in your scope as .xlsx (the members list's filters apply)")
    def get(self, request):
        access = request.access
        if not access.sees_member_lists:
            raise PermissionDenied()
        members = member_list(access=access, filters=request.query_params)
        return xlsx_response(members_workbook(members, mask_ids=not access.can_view_id_numbers),
                             _filename(request, "members"))


class VillageExportView(RosterAPIView):
    @extend_schema(responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS, operation_id="export_villages",
                   summary="Villages in your scope as .xlsx")
    def get(self, request):
        if not request.access.sees_villages:
            raise PermissionDenied()
        return xlsx_response(villages_workbook(village_list(access=request.access, filters=request.query_params)),
                             _filename(request, "villages"))


class BranchExportView(RosterAPIView):
    @extend_schema(responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS, operation_id="export_branches",
                   summary="Branches in your scope as .xlsx")
    def get(self, request):
        if not request.access.sees_branches:
            raise PermissionDenied()
        return xlsx_response(branches_workbook(branch_list(access=request.access, filters=request.query_params)),
                             _filename(request, "branches"))
