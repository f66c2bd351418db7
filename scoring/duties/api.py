"""Light duties over the API (/t/<code>/api/v1/duties/): the proposals and duties in the asker's
scope, the secretary's confirm/adjust, completion and excuse, the township's list of duties and
the illness flags. Reads are scoped like the pages; writes call the services, which check rights."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship
from common.errors import PermissionDenied
from scoring.duties import selectors, services
from scoring.duties.models import Duty, DutyAssignment, DutyRun, MemberIllness

TAGS = ["light duties"]


class DutySerializer(serializers.ModelSerializer):
    class Meta:
        model = Duty
        fields = ["id", "name", "description", "period", "remote_alternative", "care_alternative", "is_active",
                  "sort_order"]


class DutyRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    period = serializers.ChoiceField(choices=Duty.Period.choices)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    remote_alternative = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    care_alternative = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    sort_order = serializers.IntegerField(min_value=0, max_value=32767, default=0)
    is_active = serializers.BooleanField(default=True)


class DutyRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = DutyRun
        fields = ["id", "year", "month", "duty", "proposals", "run_at"]


class AssignmentSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    duty_name = serializers.CharField(source="duty.name", read_only=True)
    year = serializers.IntegerField(source="run.year", read_only=True)
    month = serializers.IntegerField(source="run.month", read_only=True, help_text="0: the year-end proposal.")

    class Meta:
        model = DutyAssignment
        fields = ["id", "year", "month", "member", "member_name", "branch", "branch_name", "duty", "duty_name",
                  "points", "bottom_rank", "branch_members", "variant", "task", "situation", "status", "due_on",
                  "note", "confirmed_at", "closed_at", "outcome_note"]


class ConfirmSerializer(serializers.Serializer):
    variant = serializers.ChoiceField(choices=DutyAssignment.Variant.choices, required=False)
    duty = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    due_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CompleteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ExcuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class IllnessSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = MemberIllness
        fields = ["member", "member_name", "reason", "marked_at"]


class IllnessRequestSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.CharField(max_length=1000)


class DutiesAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _int_param(request, name):
    value = request.query_params.get(name)
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        raise Http404 from None


class AssignmentListView(DutiesAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=DutyAssignment.Status.values),
                    OpenApiParameter("run", int), OpenApiParameter("branch", int)],
        responses={200: AssignmentSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
        operation_id="duties_assignments_list", summary="Proposed, confirmed, completed and excused duties in scope")
    def get(self, request):
        if not selectors.can_view(request.access):
            raise PermissionDenied()
        status_value = request.query_params.get("status") or None
        if status_value is not None and status_value not in DutyAssignment.Status.values:
            raise Http404
        run = None
        run_id = _int_param(request, "run")
        if run_id is not None:
            run = DutyRun.objects.filter(pk=run_id).first()
            if run is None:
                raise Http404
        qs = selectors.assignment_list(access=request.access, status=status_value, run=run,
                                       branch_id=_int_param(request, "branch"))
        return Response(AssignmentSerializer(qs[:1000], many=True).data)


class AssignmentConfirmView(DutiesAPIView):
    @extend_schema(request=ConfirmSerializer, responses={200: AssignmentSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="duties_assignment_confirm",
                   summary="Confirm or adjust a proposal (branch secretary or office); the member is notified")
    def post(self, request, pk):
        data = self._valid(ConfirmSerializer)
        assignment = services.assignment_confirm(actor=request.user, access=request.access, assignment_id=pk,
                                                 variant=data.get("variant"), duty_id=data.get("duty"),
                                                 due_on=data.get("due_on"), note=data["note"])
        return Response(AssignmentSerializer(assignment).data)


class AssignmentCompleteView(DutiesAPIView):
    @extend_schema(request=CompleteSerializer, responses={200: AssignmentSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="duties_assignment_complete", summary="Record that a confirmed duty was done")
    def post(self, request, pk):
        assignment = services.assignment_complete(actor=request.user, access=request.access, assignment_id=pk,
                                                  **self._valid(CompleteSerializer))
        return Response(AssignmentSerializer(assignment).data)


class AssignmentExcuseView(DutiesAPIView):
    @extend_schema(request=ExcuseSerializer, responses={200: AssignmentSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="duties_assignment_excuse", summary="Excuse a proposed or confirmed duty, with reason")
    def post(self, request, pk):
        assignment = services.assignment_excuse(actor=request.user, access=request.access, assignment_id=pk,
                                                **self._valid(ExcuseSerializer))
        return Response(AssignmentSerializer(assignment).data)


class DutyListView(DutiesAPIView):
    @extend_schema(responses={200: DutySerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="duties_list", summary="The township's list of light duties")
    def get(self, request):
        if not selectors.can_view(request.access):
            raise PermissionDenied()
        return Response(DutySerializer(selectors.duty_list(), many=True).data)

    @extend_schema(request=DutyRequestSerializer, responses={201: DutySerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="duties_create", summary="Add a duty (township office)")
    def post(self, request):
        duty = services.duty_create(actor=request.user, access=request.access, **self._valid(DutyRequestSerializer))
        return Response(DutySerializer(duty).data, status=status.HTTP_201_CREATED)


class DutyRunListView(DutiesAPIView):
    @extend_schema(responses={200: DutyRunSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="duties_runs_list", summary="Proposal rounds (month 0: year end)")
    def get(self, request):
        if not selectors.can_view(request.access):
            raise PermissionDenied()
        return Response(DutyRunSerializer(selectors.run_list(), many=True).data)

    @extend_schema(request=None, responses={200: DutyRunSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="duties_propose_due",
                   summary="Propose for closed months now, as the nightly job does (township office; idempotent)")
    def post(self, request):
        if not request.access.runs_scoring:
            raise PermissionDenied()
        return Response(DutyRunSerializer(services.duties_propose_due(), many=True).data)


class IllnessListView(DutiesAPIView):
    @extend_schema(responses={200: IllnessSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="duties_illness_list", summary="Illness flags in scope")
    def get(self, request):
        if not selectors.can_view(request.access):
            raise PermissionDenied()
        return Response(IllnessSerializer(selectors.illness_list(access=request.access), many=True).data)

    @extend_schema(request=IllnessRequestSerializer, responses={200: IllnessSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="duties_illness_mark", summary="Mark a member as ill, with the reason (secretary)")
    def post(self, request):
        data = self._valid(IllnessRequestSerializer)
        flag = services.illness_mark(actor=request.user, access=request.access, member_id=data["member"],
                                     reason=data["reason"])
        return Response(IllnessSerializer(flag).data)


class IllnessClearView(DutiesAPIView):
    @extend_schema(request=None, responses={204: None, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="duties_illness_clear", summary="Remove a member's illness flag (secretary)")
    def post(self, request, member):
        services.illness_clear(actor=request.user, access=request.access, member_id=member)
        return Response(status=status.HTTP_204_NO_CONTENT)
