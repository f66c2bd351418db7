"""Reports from members away over the township API (/t/<code>/api/v1/reports/): a member submits and
reads their own; clerks, branch secretaries and the township office read those in scope and
accept or return them."""
from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship
from scoring.reports import services
from scoring.reports.models import Report, ReportKind, ReportPhoto
from scoring.reports.selectors import can_read_reports, report_get, report_list


class CanReadReports(permissions.BasePermission):
    def has_permission(self, request, view):
        return can_read_reports(request.access)


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportPhoto
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class ReportSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch = serializers.IntegerField(source="member.branch_id", read_only=True)
    entry_status = serializers.CharField(source="entry.status", read_only=True, allow_null=True, default=None)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Report
        fields = ["id", "member", "member_name", "branch", "kind", "kind_label", "year", "quarter", "title", "body",
                  "status", "status_label", "submitted_on", "submitted_at", "decided_at", "return_reason", "entry",
                  "entry_status", "photos"]


class SubmitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)


class AcceptSerializer(serializers.Serializer):
    points = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True, default=None)


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


@extend_schema_view(
    list=extend_schema(summary="Reports: a member's own, or those of members in the reviewer's scope",
                       tags=["reports"]),
    retrieve=extend_schema(summary="One report", tags=["reports"]),
)
class ReportViewSet(AccessAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, InTownship, CanReadReports]
    serializer_class = ReportSerializer
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]

    def get_queryset(self) -> QuerySet[Report]:
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return report_list(access=self.request.access,
                           status=self.request.query_params.get("status", "")).prefetch_related("photos")

    def _output(self, report_id: int, code=status.HTTP_200_OK) -> Response:
        report = report_get(access=self.request.access, pk=report_id)
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data, status=code)

    @extend_schema(summary="Submit this quarter's report (a member away)", tags=["reports"],
                   request={"multipart/form-data": SubmitSerializer},
                   responses={201: ReportSerializer, 409: ERROR_RESPONSES[400], **ERROR_RESPONSES})
    def create(self, request):
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        report = services.report_submit(actor=request.user, access=request.access, kind=d["kind"], title=d["title"],
                                        body=d["body"], photos=d["photos"])
        return self._output(report.pk, status.HTTP_201_CREATED)

    @extend_schema(summary="Accept: propose the points entry through review (branch)", tags=["reports"],
                   request=AcceptSerializer, responses={200: ReportSerializer, 409: ERROR_RESPONSES[400],
                                                        **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        report = self.get_object()
        serializer = AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_accept(actor=request.user, access=request.access, report_id=report.pk,
                               points=serializer.validated_data["points"])
        return self._output(report.pk)

    @extend_schema(summary="Return to the member with a reason (branch)", tags=["reports"],
                   request=ReturnSerializer, responses={200: ReportSerializer, 409: ERROR_RESPONSES[400],
                                                        **ERROR_RESPONSES})
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request, pk=None):
        report = self.get_object()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_return(actor=request.user, access=request.access, report_id=report.pk,
                               reason=serializer.validated_data["reason"])
        return self._output(report.pk)
