"""Career proposals over the API.

Township (/t/<code>/api/v1/staffing/career/): the township office lists its township's proposals and
proposes; a clerk lists the decided outcomes of their own. County (/api/v1/staffing/career/): the county
lists every township's proposals and decides; /api/v1/staffing/career/mine/ gives any signed-in user the
decided outcomes about them (a removed clerk has no township role left)."""
from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, ErrorSerializer, InTownship
from accounts.models import Role
from common.errors import PermissionDenied
from staffing.county import selectors, services
from staffing.county.models import CareerProposal

TAGS = ["staffing"]
WRITE_RESPONSES = {**ERROR_RESPONSES, 409: ErrorSerializer}


class HistorySerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    grade = serializers.CharField()
    coefficient = serializers.DecimalField(max_digits=4, decimal_places=2)
    clerk_comment = serializers.CharField(allow_blank=True)


class CareerProposalSerializer(serializers.ModelSerializer):
    township_code = serializers.CharField(source="township.code", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    appraisal_history = HistorySerializer(many=True, read_only=True)

    class Meta:
        model = CareerProposal
        fields = ["id", "township_code", "township_name", "clerk_id", "clerk_name", "kind", "basis",
                  "appraisal_history", "status", "proposed_at", "decision_basis", "decision_date", "document_number",
                  "decided_at"]


class CareerOutcomeSerializer(serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True)

    class Meta:
        model = CareerProposal
        fields = ["id", "township_name", "clerk_name", "kind", "status", "decision_basis", "decision_date",
                  "document_number"]


class ProposeSerializer(serializers.Serializer):
    clerk = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    kind = serializers.ChoiceField(choices=CareerProposal.Kind.choices)
    basis = serializers.CharField(max_length=4000)


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    basis = serializers.CharField(max_length=4000)
    decision_date = serializers.DateField()
    document_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


def _valid(request, serializer_class) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class TownshipCareerView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    @extend_schema(responses={200: CareerProposalSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_career_list",
                   summary="Career proposals of this township (office); a clerk: the decided outcomes of their own")
    def get(self, request):
        access = request.access
        if access.is_county_admin or access.has_role(Role.TOWNSHIP_OFFICE):
            qs = selectors.career_township_list(township=connection.tenant)
        elif access.has_role(Role.CLERK):
            qs = selectors.career_outcomes_for_user(user_id=access.user_id).filter(township=connection.tenant)
        else:
            raise PermissionDenied()
        return Response(CareerProposalSerializer(qs[:500], many=True).data)

    @extend_schema(request=ProposeSerializer, responses={201: CareerProposalSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="staffing_career_propose",
                   summary="Propose a clerk for an established post or removal, from the appraisal history "
                           "(township office; never oneself)")
    def post(self, request):
        data = _valid(request, ProposeSerializer)
        proposal = services.career_propose(actor=request.user, access=request.access, clerk_id=data["clerk"],
                                           kind=data["kind"], basis=data["basis"])
        return Response(CareerProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


class CountyCareerAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.access.is_county_admin:
            raise PermissionDenied()


class CountyCareerListView(CountyCareerAPIView):
    @extend_schema(parameters=[OpenApiParameter("status", str, enum=CareerProposal.Status.values, required=False)],
                   responses={200: CareerProposalSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_career_county_list", summary="Every township's career proposals (county)")
    def get(self, request):
        wanted = request.query_params.get("status")
        qs = selectors.career_county_list(status=wanted if wanted in CareerProposal.Status.values else None)
        return Response(CareerProposalSerializer(qs[:500], many=True).data)


class CountyCareerDecideView(CountyCareerAPIView):
    @extend_schema(request=DecideSerializer, responses={200: CareerProposalSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="staffing_career_decide",
                   summary="Approve or reject a career proposal with basis, date and document number (county); "
                           "an approval changes the clerk's status and access")
    def post(self, request, pk: int):
        data = _valid(request, DecideSerializer)
        proposal = services.career_decide(actor=request.user, access=request.access, proposal_id=pk,
                                          approve=data["decision"] == "approve", basis=data["basis"],
                                          decision_date=data["decision_date"],
                                          document_number=data["document_number"])
        return Response(CareerProposalSerializer(proposal).data)


class CareerMineView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: CareerOutcomeSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_career_mine",
                   summary="The decided career proposals about me (a clerk or former clerk)")
    def get(self, request):
        return Response(CareerOutcomeSerializer(selectors.career_outcomes_for_user(user_id=request.user.pk)[:100],
                                                many=True).data)
