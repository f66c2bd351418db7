"""Rewards over the township API (/t/<code>/api/v1/rewards/): honours (list in scope, enter with
certificates as multipart, verify/reject/revoke by the township office), tiers and their
distribution, Party-member Star results and funnel, and shortlists (generate, edit, submit). Reads
of tiers, results and shortlists are for the township-wide roles; writes call the services."""
from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, ErrorSerializer, InTownship
from common import clock
from common.api import SafeJSONParser
from common.errors import PermissionDenied
from scoring.rewards import selectors, services
from scoring.rewards.choices import Level, ShortlistKind
from scoring.rewards.models import (
    Honour,
    MemberTier,
    Shortlist,
    ShortlistCandidate,
    ShortlistEdit,
    StarResult,
)

TAGS = ["rewards"]
WRITE_RESPONSES = {**ERROR_RESPONSES, 409: ErrorSerializer}
YEAR = OpenApiParameter("year", int, description="Scoring year (default: the current one).")


def _year(request) -> int:
    try:
        year = int(request.query_params.get("year") or services.scoring_year_of(clock.today()))
    except (TypeError, ValueError):
        year = services.scoring_year_of(clock.today())
    return year if 2000 <= year <= 2100 else services.scoring_year_of(clock.today())


class CertificateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class HonourSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    certificates = CertificateSerializer(many=True, read_only=True)

    class Meta:
        model = Honour
        fields = ["id", "member", "member_name", "year", "kind_code", "kind_name", "title", "level", "issuer",
                  "awarded_on", "status", "points", "entry", "reversal", "reject_reason", "revoke_reason",
                  "entered_at", "decided_at", "revoked_at", "certificates"]


class HonourCreateSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**62, help_text="Member id (in your scope).")
    kind = serializers.CharField(max_length=20, help_text="Kind code from the county's honour template.")
    level = serializers.ChoiceField(choices=Level.choices)
    issuer = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=200)
    awarded_on = serializers.DateField()
    certificates = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                         help_text="Certificate photos or PDF, at most 10 MB each (at least one).")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class HonourViewSet(AccessAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, InTownship]
    serializer_class = HonourSerializer
    parser_classes = [MultiPartParser, FormParser, SafeJSONParser]

    def get_queryset(self) -> QuerySet[Honour]:
        if getattr(self, "swagger_fake_view", False):
            return Honour.objects.none()
        return selectors.honour_scope(self.request.access).order_by("-id")

    @extend_schema(summary="Enter an honour with its certificate (multipart); it waits for verification",
                   tags=TAGS, request={"multipart/form-data": HonourCreateSerializer},
                   responses={201: HonourSerializer, **ERROR_RESPONSES})
    def create(self, request):
        serializer = HonourCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        files = request.FILES.getlist("certificates") if hasattr(request.FILES, "getlist") else data["certificates"]
        honour = services.honour_create(actor=request.user, access=request.access, member_id=data["member"],
                                        kind_code=data["kind"], level=data["level"], issuer=data["issuer"],
                                        awarded_on=data["awarded_on"], title=data["title"], certificates=files)
        return Response(HonourSerializer(honour).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Verify an honour (township office): it counts and its points go to review",
                   tags=TAGS, request=None, responses={200: HonourSerializer, **WRITE_RESPONSES})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        honour = self.get_object()
        return Response(HonourSerializer(services.honour_verify(actor=request.user, access=request.access,
                                                                honour_id=honour.pk)).data)

    @extend_schema(summary="Reject an honour with the reason (township office)", tags=TAGS,
                   request=ReasonSerializer, responses={200: HonourSerializer, **WRITE_RESPONSES})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        honour = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(HonourSerializer(services.honour_reject(
            actor=request.user, access=request.access, honour_id=honour.pk,
            reason=serializer.validated_data["reason"])).data)

    @extend_schema(summary="Revoke a verified honour (township office): proposes a reversing entry", tags=TAGS,
                   request=ReasonSerializer, responses={200: HonourSerializer, **WRITE_RESPONSES})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        honour = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(HonourSerializer(services.honour_revoke(
            actor=request.user, access=request.access, honour_id=honour.pk,
            reason=serializer.validated_data["reason"])).data)


class OfficeAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    def _sees(self):
        if not selectors.sees_all(self.request.access):
            raise PermissionDenied()

    def _office(self):
        if not self.request.access.runs_scoring:
            raise PermissionDenied()


class TierSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = MemberTier
        fields = ["member", "member_name", "year", "tier", "uncapped_tier", "honour_points", "honours", "vetoed",
                  "reason", "computed_at"]


class DistributionSerializer(serializers.Serializer):
    tier = serializers.IntegerField()
    label = serializers.CharField()
    members = serializers.IntegerField()


class TiersSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    distribution = DistributionSerializer(many=True)
    tiers = TierSerializer(many=True)


class TierListView(OfficeAPIView):
    @extend_schema(parameters=[YEAR], responses={200: TiersSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="rewards_tiers", summary="Star tiers of the year and their distribution")
    def get(self, request):
        self._sees()
        year = _year(request)
        return Response({"year": year, "distribution": selectors.tier_distribution(year=year),
                         "tiers": TierSerializer(selectors.tiers(year=year)[:5000], many=True).data})


class ExplanationSerializer(serializers.Serializer):
    group = serializers.IntegerField()
    code = serializers.CharField()
    condition = serializers.CharField()
    holds = serializers.BooleanField()
    detail = serializers.CharField()


class StarResultSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    explanation = ExplanationSerializer(many=True, read_only=True)

    class Meta:
        model = StarResult
        fields = ["member", "member_name", "year", "rule_version", "eligible", "failed", "explanation"]


class FunnelStepSerializer(serializers.Serializer):
    group = serializers.IntegerField()
    code = serializers.CharField()
    condition = serializers.CharField()
    holds = serializers.IntegerField()
    remaining = serializers.IntegerField()


class StarsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    rule_version = serializers.IntegerField(allow_null=True)
    evaluated = serializers.IntegerField()
    eligible = serializers.IntegerField()
    funnel = FunnelStepSerializer(many=True)
    results = StarResultSerializer(many=True)


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class StarListView(OfficeAPIView):
    @extend_schema(parameters=[YEAR], responses={200: StarsSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="rewards_stars",
                   summary="Party-member Star results with explanations and the funnel")
    def get(self, request):
        self._sees()
        return Response(self._payload(_year(request)))

    @staticmethod
    def _payload(year: int) -> dict:
        evaluation = selectors.evaluation(year=year)
        total, steps = selectors.star_funnel(year=year)
        return {
            "year": year, "rule_version": evaluation.rule_version if evaluation else None, "evaluated": total,
            "eligible": evaluation.eligible if evaluation else 0,
            "funnel": FunnelStepSerializer(steps, many=True).data,
            "results": StarResultSerializer(selectors.star_results(year=year)[:5000], many=True).data}

    @extend_schema(request=YearSerializer, responses={200: StarsSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="rewards_stars_evaluate",
                   summary="Evaluate every member with the year's rule (township office)")
    def post(self, request):
        self._office()
        serializer = YearSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        year = serializer.validated_data["year"]
        services.star_evaluate(actor=request.user, year=year)
        return Response(self._payload(year))


class EditSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShortlistEdit
        fields = ["action", "reason", "edited_by_id", "edited_at"]


class CandidateSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch_name = serializers.CharField(source="member.branch.name", read_only=True)
    edits = EditSerializer(many=True, read_only=True)

    class Meta:
        model = ShortlistCandidate
        fields = ["position", "member", "member_name", "branch_name", "included", "by_office", "tier", "eligible",
                  "year_points", "best_rank", "months_top3", "months", "publications", "rating", "honour_ids",
                  "reason", "edits"]


class ShortlistSerializer(serializers.ModelSerializer):
    candidates = serializers.SerializerMethodField()

    class Meta:
        model = Shortlist
        fields = ["id", "kind", "year", "status", "generated_at", "submitted_at", "county_copy_id", "candidates"]

    def get_candidates(self, obj) -> list[dict]:
        return CandidateSerializer(selectors.shortlist_candidates(shortlist=obj), many=True).data


class GenerateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ShortlistKind.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class ShortlistEditSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**62)
    action = serializers.ChoiceField(choices=ShortlistEdit.Action.choices)
    reason = serializers.CharField(max_length=2000)


class ShortlistViewSet(AccessAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, InTownship]
    serializer_class = ShortlistSerializer

    def get_queryset(self) -> QuerySet[Shortlist]:
        if getattr(self, "swagger_fake_view", False):
            return Shortlist.objects.none()
        if not selectors.sees_all(self.request.access):
            raise PermissionDenied()
        return Shortlist.objects.order_by("-year", "kind")

    def _office(self):
        if not self.request.access.runs_scoring:
            raise PermissionDenied()

    @extend_schema(summary="Make or refresh the draft shortlist of an award (township office)", tags=TAGS,
                   request=GenerateSerializer, responses={201: ShortlistSerializer, **WRITE_RESPONSES})
    def create(self, request):
        self._office()
        serializer = GenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shortlist = services.shortlist_generate(actor=request.user, access=request.access,
                                                **serializer.validated_data)
        return Response(ShortlistSerializer(shortlist).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Put a member on the draft shortlist or take one off, with the reason", tags=TAGS,
                   request=ShortlistEditSerializer, responses={200: ShortlistSerializer, **WRITE_RESPONSES})
    @action(detail=True, methods=["post"])
    def edit(self, request, pk=None):
        self._office()
        shortlist = self.get_object()
        serializer = ShortlistEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.shortlist_edit(actor=request.user, access=request.access, shortlist_id=shortlist.pk,
                                member_id=data["member"], action=data["action"], reason=data["reason"])
        return Response(ShortlistSerializer(shortlist).data)

    @extend_schema(summary="Submit the shortlist to the county (locked afterwards)", tags=TAGS, request=None,
                   responses={200: ShortlistSerializer, **WRITE_RESPONSES})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        self._office()
        shortlist = self.get_object()
        shortlist = services.shortlist_submit(actor=request.user, access=request.access, shortlist_id=shortlist.pk)
        return Response(ShortlistSerializer(shortlist).data)


class AllocationSerializer(serializers.Serializer):
    year = serializers.IntegerField(source="run.year")
    kind = serializers.CharField(source="run.kind")
    state = serializers.CharField(source="run.state")
    approved = serializers.SerializerMethodField()
    ok = serializers.BooleanField()
    error = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    stars = serializers.IntegerField()
    candidates = serializers.IntegerField()
    fair_scorers = serializers.IntegerField()
    share = serializers.DecimalField(max_digits=14, decimal_places=2)
    special_share = serializers.DecimalField(max_digits=14, decimal_places=2)

    def get_approved(self, row) -> bool:
        return row.run.state == "approved"


class AllocationView(OfficeAPIView):
    @extend_schema(parameters=[YEAR], responses={200: AllocationSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="rewards_county_allocation",
                   summary="This township's rank and shares in the county's reward rollups of the year")
    def get(self, request):
        from scoring.rewards.county.selectors import township_allocations

        self._sees()
        rows = township_allocations(township_id=request.tenant.pk).filter(run__year=_year(request))
        return Response(AllocationSerializer(rows, many=True).data)
