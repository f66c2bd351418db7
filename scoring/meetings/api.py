"""Meetings over the API (/t/<code>/api/v1/meetings/): records in scope with their versions and
attendance, drafting, filing and correcting (JSON; photos and sign-in sheets are uploaded on the
page), remote attendance (members confirm, recorders decide), the required-frequency board and
overdue branches. Reads go through the scoped selectors; writes call the services, which check
the asker's rights; another township's or an out-of-scope meeting is 404."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, ErrorSerializer, InTownship
from common import clock
from scoring.choices import MeetingKind
from scoring.meetings import selectors, services
from scoring.meetings.models import (
    Attendance,
    AttendanceRow,
    MeetingEntry,
    MeetingVersion,
    RemoteConfirmation,
)
from tenants.organisation.selectors import branch_scope

TAGS = ["meetings"]
# Writes on a record in the wrong state (a filed record changed, a decided confirmation) are 409.
WRITE_RESPONSES = {**ERROR_RESPONSES, 409: ErrorSerializer}
MAX_ID = 2**63 - 1


class AttendanceSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = AttendanceRow
        fields = ["member", "member_name", "status", "reason"]


class FileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    original_name = serializers.CharField()
    sha256 = serializers.CharField()


class VersionSerializer(serializers.ModelSerializer):
    meeting = serializers.IntegerField(source="meeting_id", read_only=True)
    branch = serializers.IntegerField(source="meeting.branch_id", read_only=True)
    branch_name = serializers.CharField(source="meeting.branch.name", read_only=True)
    status = serializers.CharField(source="meeting.status", read_only=True)
    current_version = serializers.IntegerField(source="meeting.version", read_only=True)

    class Meta:
        model = MeetingVersion
        fields = ["meeting", "branch", "branch_name", "status", "current_version", "number", "kind", "held_on",
                  "place", "topic", "host", "reason", "is_filed", "created_at"]


class LinkSerializer(serializers.ModelSerializer):
    entry_status = serializers.CharField(source="entry.status", allow_null=True, read_only=True)
    entry_points = serializers.DecimalField(source="entry.points", max_digits=7, decimal_places=2, allow_null=True,
                                            read_only=True)

    class Meta:
        model = MeetingEntry
        fields = ["member", "rule_code", "version", "entry", "entry_status", "entry_points", "skipped", "reversal",
                  "reversal_due"]


class VersionDetailSerializer(VersionSerializer):
    attendance = AttendanceSerializer(many=True, read_only=True)
    files = FileSerializer(many=True, read_only=True)
    versions = serializers.SerializerMethodField()
    entries = serializers.SerializerMethodField()

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "minutes", "attendance", "files", "versions", "entries"]

    def get_versions(self, obj) -> list[int]:
        return list(obj.meeting.versions.order_by("number").values_list("number", flat=True))

    @extend_schema_field(LinkSerializer(many=True))
    def get_entries(self, obj):
        return LinkSerializer(selectors.meeting_links(obj.meeting), many=True).data


class AttendanceInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(choices=Attendance.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class MeetingCreateSerializer(serializers.Serializer):
    branch = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=200)
    topic = serializers.CharField(max_length=200)
    host = serializers.CharField(max_length=100)
    minutes = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    attendance = AttendanceInputSerializer(many=True, required=False)


class MeetingUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices, required=False)
    held_on = serializers.DateField(required=False)
    place = serializers.CharField(max_length=200, required=False)
    topic = serializers.CharField(max_length=200, required=False)
    host = serializers.CharField(max_length=100, required=False)
    minutes = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    attendance = AttendanceInputSerializer(many=True, required=False)


class CorrectSerializer(MeetingUpdateSerializer):
    reason = serializers.CharField(max_length=2000)
    late_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class FileRequestSerializer(serializers.Serializer):
    late_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ProposedSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    skipped = serializers.IntegerField()
    reversals = serializers.IntegerField()
    reversals_waiting = serializers.IntegerField()


class RemoteSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = RemoteConfirmation
        fields = ["id", "meeting", "member", "member_name", "how", "note", "status", "submitted_at", "decided_at",
                  "decision_note"]


class RemoteRequestSerializer(serializers.Serializer):
    how = serializers.ChoiceField(choices=RemoteConfirmation.How.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class BoardSerializer(serializers.Serializer):
    branch = serializers.IntegerField(source="branch.pk")
    branch_name = serializers.CharField(source="branch.name")
    kind = serializers.CharField()
    months = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["done", "due", "overdue"])
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    last_held_on = serializers.DateField(allow_null=True)


class OverdueSerializer(serializers.Serializer):
    branch = serializers.IntegerField(source="branch.pk")
    branch_name = serializers.CharField(source="branch.name")
    kind = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()


def _attendance(rows) -> dict:
    return {row["member"]: (row["status"], row.get("reason", "")) for row in rows or []}


class MeetingsAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _detail(self, pk, number=None):
        meeting = selectors.meeting_scope(self.request.access).filter(pk=pk).first()
        if meeting is None:
            raise Http404
        version = selectors.version_get(meeting, number)
        if version is None:
            raise Http404
        return VersionDetailSerializer(version).data


BRANCH_YEAR = [OpenApiParameter("branch", int, required=False), OpenApiParameter("year", int, required=False)]


def _int_param(request, name, low=1, high=MAX_ID):
    try:
        value = int(request.query_params.get(name, ""))
    except ValueError:
        return None
    return value if low <= value <= high else None


class MeetingListView(MeetingsAPIView):
    @extend_schema(parameters=BRANCH_YEAR, responses={200: VersionSerializer(many=True), **ERROR_RESPONSES},
                   tags=TAGS, operation_id="meetings_list", summary="Meetings in your scope (current versions)")
    def get(self, request):
        rows = selectors.meeting_list(access=request.access, branch_id=_int_param(request, "branch"),
                                      year=_int_param(request, "year", 1900, 2200))
        return Response(VersionSerializer(rows[:200], many=True).data)

    @extend_schema(request=MeetingCreateSerializer, responses={201: VersionDetailSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="meetings_create", summary="Record a draft meeting with attendance")
    def post(self, request):
        data = self._valid(MeetingCreateSerializer)
        meeting = services.meeting_create(
            actor=request.user, access=request.access, branch_id=data["branch"], kind=data["kind"],
            held_on=data["held_on"], place=data["place"], topic=data["topic"], host=data["host"],
            minutes=data["minutes"], attendance=_attendance(data.get("attendance")))
        return Response(self._detail(meeting.pk), status=status.HTTP_201_CREATED)


class MeetingDetailView(MeetingsAPIView):
    @extend_schema(responses={200: VersionDetailSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="meetings_get", summary="A meeting's current version, attendance and entries")
    def get(self, request, pk):
        return Response(self._detail(pk))

    @extend_schema(request=MeetingUpdateSerializer, responses={200: VersionDetailSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="meetings_update", summary="Change a draft (a filed record is locked)")
    def patch(self, request, pk):
        data = self._valid(MeetingUpdateSerializer)
        attendance = _attendance(data.pop("attendance", None))
        services.meeting_update(actor=request.user, access=request.access, meeting_id=pk, attendance=attendance,
                                **data)
        return Response(self._detail(pk))


class MeetingVersionView(MeetingsAPIView):
    @extend_schema(responses={200: VersionDetailSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="meetings_version_get", summary="One version of a meeting (old versions stay readable)")
    def get(self, request, pk, number):
        return Response(self._detail(pk, number))


class MeetingFileView(MeetingsAPIView):
    @extend_schema(request=FileRequestSerializer, responses={200: ProposedSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="meetings_file",
                   summary="File a draft: lock it and propose the attendees' entries for review")
    def post(self, request, pk):
        data = self._valid(FileRequestSerializer)
        result = services.meeting_file(actor=request.user, access=request.access, meeting_id=pk,
                                       late_reason=data["late_reason"])
        return Response(ProposedSerializer(result).data)


class MeetingCorrectView(MeetingsAPIView):
    @extend_schema(request=CorrectSerializer, responses={200: ProposedSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="meetings_correct",
                   summary="File a correction as a new version (reversals and new entries through review)")
    def post(self, request, pk):
        data = self._valid(CorrectSerializer)
        attendance = _attendance(data.pop("attendance", None))
        result = services.meeting_correct(actor=request.user, access=request.access, meeting_id=pk,
                                          attendance=attendance, **data)
        return Response(ProposedSerializer(result).data)


class RemoteConfirmView(MeetingsAPIView):
    @extend_schema(request=RemoteRequestSerializer, responses={201: RemoteSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="meetings_remote_confirm",
                   summary="A member away confirms remote attendance of a meeting of their branch")
    def post(self, request, pk):
        data = self._valid(RemoteRequestSerializer)
        confirmation = services.remote_confirm(actor=request.user, access=request.access, meeting_id=pk,
                                               how=data["how"], note=data["note"])
        return Response(RemoteSerializer(confirmation).data, status=status.HTTP_201_CREATED)


class RemoteListView(MeetingsAPIView):
    @extend_schema(responses={200: RemoteSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="meetings_remote_list",
                   summary="Confirmations waiting for you (recorders) or your own (members)")
    def get(self, request):
        access = request.access
        rows = (selectors.remote_pending(access=access) if access.sees_branches
                else selectors.remote_mine(access=access).select_related("member"))
        return Response(RemoteSerializer(rows[:200], many=True).data)


class RemoteDecideView(MeetingsAPIView):
    @extend_schema(request=DecideSerializer, responses={200: RemoteSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="meetings_remote_decide", summary="Accept or reject a remote attendance confirmation")
    def post(self, request, pk):
        data = self._valid(DecideSerializer)
        confirmation = services.remote_decide(actor=request.user, access=request.access, confirmation_id=pk,
                                              decision=data["decision"], note=data["note"])
        return Response(RemoteSerializer(confirmation).data)


class BoardView(MeetingsAPIView):
    @extend_schema(parameters=[OpenApiParameter("branch", int, required=False)],
                   responses={200: BoardSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="meetings_board", summary="Required meetings per branch: done, due or overdue")
    def get(self, request):
        branches = branch_scope(request.access).order_by("name") if request.access.sees_branches else []
        branch_id = _int_param(request, "branch")
        if branch_id and branches:
            branches = branches.filter(pk=branch_id)
        rows = selectors.frequency_board(branches=list(branches[:200]) if branches else [],
                                         today=clock.today(request.tenant))
        return Response(BoardSerializer(rows, many=True).data)


class OverdueView(MeetingsAPIView):
    @extend_schema(responses={200: OverdueSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="meetings_overdue", summary="Branches in your scope that missed a required meeting")
    def get(self, request):
        branches = branch_scope(request.access).order_by("name") if request.access.sees_branches else []
        rows = selectors.overdue(today=clock.today(request.tenant), branches=branches) if branches else []
        return Response(OverdueSerializer(rows, many=True).data)
