"""Clerks over the API: /t/<code>/api/v1/staffing/... (township) and /api/v1/staffing/rollup/
(county). Reads go through the scoped selectors (a clerk sees only their own record and
placements); writes need the township office and call the services."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, ErrorSerializer, InTownship
from accounts.models import Role
from common import clock
from common.errors import NotFound, PermissionDenied
from staffing.clerks import selectors, services
from staffing.clerks.models import Clerk, Placement, RotationMove, RotationPlan
from tenants.organisation.models import Village

TAGS = ["staffing"]
WRITE_RESPONSES = {**ERROR_RESPONSES, 409: ErrorSerializer}


class ClerkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clerk
        fields = ["id", "user_id", "name", "gender", "birth_date", "home_village", "contract_start", "contract_end",
                  "status"]


class ClerkRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    gender = serializers.ChoiceField(choices=Clerk.Gender.choices)
    birth_date = serializers.DateField()
    contract_start = serializers.DateField()
    contract_end = serializers.DateField(required=False, allow_null=True)
    home_village = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    relatives_village_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                                  max_length=50)
    user_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class PlacementSerializer(serializers.ModelSerializer):
    clerk_name = serializers.CharField(source="clerk.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)

    class Meta:
        model = Placement
        fields = ["id", "clerk", "clerk_name", "village", "village_name", "starts_on", "ends_on"]


class PlacementRequestSerializer(serializers.Serializer):
    clerk = serializers.IntegerField(min_value=1)
    village = serializers.IntegerField(min_value=1)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)


class PlacementEndSerializer(serializers.Serializer):
    ends_on = serializers.DateField()


class CoverageSerializer(serializers.Serializer):
    village_id = serializers.IntegerField()
    name = serializers.CharField()
    required = serializers.IntegerField()
    serving = serializers.IntegerField()
    gap = serializers.IntegerField()


class LimitSerializer(serializers.Serializer):
    clerk_id = serializers.IntegerField()
    clerk_name = serializers.CharField()
    village_id = serializers.IntegerField()
    village_name = serializers.CharField()
    limit_on = serializers.DateField()


class MoveSerializer(serializers.ModelSerializer):
    class Meta:
        model = RotationMove
        fields = ["id", "clerk", "from_village", "to_village", "moves_on"]


class PlanSerializer(serializers.ModelSerializer):
    moves = MoveSerializer(many=True, read_only=True)

    class Meta:
        model = RotationPlan
        fields = ["id", "status", "created_at", "confirmed_at", "moves"]


class MoveAdjustSerializer(serializers.Serializer):
    to_village = serializers.IntegerField(min_value=1)
    moves_on = serializers.DateField(required=False)


class RollupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    villages = serializers.IntegerField()
    clerks = serializers.IntegerField()
    gaps = serializers.IntegerField()
    limits_coming = serializers.IntegerField()


class StaffingAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    def _office(self):
        if not self.request.access.has_role(Role.TOWNSHIP_OFFICE):
            raise PermissionDenied()

    def _corps(self):
        if not selectors.sees_corps(self.request.access):
            raise PermissionDenied()

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _get(model, pk):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


class ClerkListView(StaffingAPIView):
    @extend_schema(responses={200: ClerkSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_clerks_list", summary="Clerks (a clerk: only themselves)")
    def get(self, request):
        return Response(ClerkSerializer(selectors.clerk_scope(request.access), many=True).data)

    @extend_schema(request=ClerkRequestSerializer, responses={201: ClerkSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="staffing_clerks_create", summary="Add a clerk (township office)")
    def post(self, request):
        self._office()
        data = self._valid(ClerkRequestSerializer)
        home = data.pop("home_village", None)
        clerk = services.clerk_create(actor=request.user, home_village=_get(Village, home) if home else None, **data)
        return Response(ClerkSerializer(clerk).data, status=status.HTTP_201_CREATED)


class ClerkStatusSerializer(serializers.Serializer):
    # An established post or a removal goes through a career proposal and the county's decision.
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in (Clerk.Status.ACTIVE, Clerk.Status.ON_LEAVE)])


class ClerkStatusView(StaffingAPIView):
    @extend_schema(request=ClerkStatusSerializer, responses={200: ClerkSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="staffing_clerks_status",
                   summary="Put a clerk on leave or back to active; leaving active ends the placement (township office)")
    def post(self, request, pk):
        self._office()
        clerk = services.clerk_status_set(actor=request.user, clerk=_get(Clerk, pk),
                                          **self._valid(ClerkStatusSerializer))
        return Response(ClerkSerializer(clerk).data)


class PlacementListView(StaffingAPIView):
    @extend_schema(responses={200: PlacementSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_placements_list", summary="Placements (a clerk: only their own)")
    def get(self, request):
        return Response(PlacementSerializer(selectors.placement_scope(request.access), many=True).data)

    @extend_schema(request=PlacementRequestSerializer, responses={201: PlacementSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="staffing_placements_create", summary="Place a clerk (township office)")
    def post(self, request):
        self._office()
        data = self._valid(PlacementRequestSerializer)
        placement = services.placement_start(actor=request.user, clerk=_get(Clerk, data["clerk"]),
                                             village=_get(Village, data["village"]), starts_on=data["starts_on"],
                                             ends_on=data.get("ends_on"))
        return Response(PlacementSerializer(placement).data, status=status.HTTP_201_CREATED)


class PlacementEndView(StaffingAPIView):
    @extend_schema(request=PlacementEndSerializer, responses={200: PlacementSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="staffing_placements_end", summary="End a placement (township office)")
    def post(self, request, pk):
        self._office()
        placement = services.placement_end(actor=request.user, placement=_get(Placement, pk),
                                           **self._valid(PlacementEndSerializer))
        return Response(PlacementSerializer(placement).data)


class CoverageView(StaffingAPIView):
    @extend_schema(responses={200: CoverageSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_coverage", summary="Villages: required and serving clerks, gaps")
    def get(self, request):
        self._corps()
        rows = selectors.village_coverage(day=clock.today(request.tenant))
        return Response(CoverageSerializer([{**r.__dict__, "gap": r.gap} for r in rows], many=True).data)


class LimitsView(StaffingAPIView):
    @extend_schema(responses={200: LimitSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_limits", summary="Rotation limits within six months")
    def get(self, request):
        self._corps()
        rows = selectors.limits_coming(today=clock.today(request.tenant), within_days=services.PLANNER_HORIZON_DAYS,
                                       limit=services.township_limit_days())
        return Response(LimitSerializer([r.__dict__ for r in rows], many=True).data)


class PlanListView(StaffingAPIView):
    @extend_schema(responses={200: PlanSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_plans_list", summary="Rotation plans")
    def get(self, request):
        self._corps()
        return Response(PlanSerializer(RotationPlan.objects.prefetch_related("moves")[:20], many=True).data)

    @extend_schema(request=None, responses={201: PlanSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="staffing_plans_propose", summary="Propose a rotation plan (township office)")
    def post(self, request):
        self._office()
        return Response(PlanSerializer(services.rotation_plan_propose(actor=request.user)).data,
                        status=status.HTTP_201_CREATED)


class PlanConfirmView(StaffingAPIView):
    @extend_schema(request=None, responses={200: PlanSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="staffing_plans_confirm", summary="Confirm a rotation plan (township office)")
    def post(self, request, pk):
        self._office()
        return Response(PlanSerializer(services.rotation_plan_confirm(actor=request.user,
                                                                       plan=_get(RotationPlan, pk))).data)


class MoveAdjustView(StaffingAPIView):
    @extend_schema(request=MoveAdjustSerializer, responses={200: MoveSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="staffing_moves_adjust", summary="Change a proposed move (township office)")
    def post(self, request, pk):
        self._office()
        data = self._valid(MoveAdjustSerializer)
        move = services.rotation_move_adjust(actor=request.user, move=_get(RotationMove, pk),
                                             to_village=_get(Village, data["to_village"]),
                                             moves_on=data.get("moves_on"))
        return Response(MoveSerializer(move).data)


class CountyRollupView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: RollupSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_county_rollup",
                   summary="The corps per township: villages, clerks, gaps, limits within six months (county)")
    def get(self, request):
        if not request.access.is_county_admin:
            raise PermissionDenied()
        rows = selectors.county_rollup_ready(day=clock.today())
        return Response(RollupSerializer([{**r, "code": r["township"].code, "name": r["township"].name}
                                          for r in rows], many=True).data)
