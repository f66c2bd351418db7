"""County API of the rewards (/api/v1/rewards/): honour templates, Party-member Star rule versions
(AND within a group, OR between groups) and the shortlists townships submitted. County admins only."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, ErrorSerializer
from common.errors import PERMISSION_DENIED
from scoring.rewards.choices import Condition, Level, Tier
from scoring.rewards.county import selectors, services
from scoring.rewards.county.models import (
    HonourKind,
    HonourTemplate,
    RewardPolicy,
    RollupCandidate,
    RollupRun,
    RollupTownship,
    StarCondition,
    StarRuleVersion,
    SubmittedCandidate,
    SubmittedShortlist,
)

TAGS = ["rewards"]
WRITE_RESPONSES = {**ERROR_RESPONSES, 409: ErrorSerializer}
NOT_FOUND = _("Not found.")
YEAR = OpenApiParameter("year", int, description="Scoring year (default: every year).")


class CountyAdmin(permissions.BasePermission):
    message = PERMISSION_DENIED

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.access.is_county_admin)


def _year(request) -> int | None:
    try:
        year = int(request.query_params.get("year", ""))
    except ValueError:
        return None
    return year if 2000 <= year <= 2100 else None


class KindSerializer(serializers.ModelSerializer):
    class Meta:
        model = HonourKind
        fields = ["code", "name"]


class HonourTemplateSerializer(serializers.ModelSerializer):
    kinds = KindSerializer(many=True)

    class Meta:
        model = HonourTemplate
        fields = ["year", *services.TEMPLATE_FIELDS, "kinds", "updated_at"]
        read_only_fields = ["updated_at"]
        # The year is the key: the POST creates or replaces that year's template.
        extra_kwargs = {"year": {"validators": [], "min_value": 2000, "max_value": 2100}}


class CountyAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, CountyAdmin]


class HonourTemplateView(CountyAPIView):
    @extend_schema(parameters=[YEAR], responses={200: HonourTemplateSerializer(many=True), **ERROR_RESPONSES},
                   tags=TAGS, operation_id="rewards_honour_templates_list", summary="Honour templates per year")
    def get(self, request):
        templates = selectors.honour_templates()
        year = _year(request)
        if year:
            templates = templates.filter(year=year)
        return Response(HonourTemplateSerializer(templates, many=True).data)

    @extend_schema(request=HonourTemplateSerializer, responses={200: HonourTemplateSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="rewards_honour_templates_set",
                   summary="Create or replace the honour template of a year")
    def post(self, request):
        serializer = HonourTemplateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        year, kinds = data.pop("year"), [(k["code"], k["name"]) for k in data.pop("kinds")]
        template = services.honour_template_set(actor=request.user, year=year, kinds=kinds, **data)
        return Response(HonourTemplateSerializer(selectors.honour_template_get(year=template.year)).data)


class ConditionSerializer(serializers.ModelSerializer):
    code = serializers.ChoiceField(choices=Condition.choices)
    min_level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True, default="")
    min_tier = serializers.ChoiceField(choices=Tier.choices, required=False, allow_null=True, default=None)
    group = serializers.IntegerField(min_value=1, max_value=20, default=1)
    min_count = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True, default=None)
    kinds = serializers.ListField(child=serializers.CharField(max_length=20), required=False, default=list,
                                  max_length=50)
    top_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100,
                                           required=False, allow_null=True, default=None)

    class Meta:
        model = StarCondition
        fields = ["group", "code", "min_count", "kinds", "min_level", "min_tier", "top_percent"]


class RuleVersionSerializer(serializers.ModelSerializer):
    conditions = ConditionSerializer(many=True)

    class Meta:
        model = StarRuleVersion
        fields = ["id", "year", "version", "note", "created_at", "conditions"]
        read_only_fields = ["id", "version", "created_at"]
        extra_kwargs = {"year": {"min_value": 2000, "max_value": 2100}, "note": {"max_length": 2000}}


class RuleVersionView(CountyAPIView):
    @extend_schema(parameters=[YEAR], responses={200: RuleVersionSerializer(many=True), **ERROR_RESPONSES},
                   tags=TAGS, operation_id="rewards_star_rules_list",
                   summary="Party-member Star rule versions (the latest of a year is in force)")
    def get(self, request):
        return Response(RuleVersionSerializer(selectors.star_rule_versions(year=_year(request))[:200],
                                              many=True).data)

    @extend_schema(request=RuleVersionSerializer, responses={201: RuleVersionSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="rewards_star_rules_create",
                   summary="A new version of a year's Party-member Star rule")
    def post(self, request):
        serializer = RuleVersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = services.star_rule_version_create(actor=request.user, year=data["year"], note=data["note"],
                                                    conditions=[dict(c) for c in data["conditions"]])
        return Response(RuleVersionSerializer(selectors.star_rule_versions().get(pk=version.pk)).data,
                        status=status.HTTP_201_CREATED)


class SubmittedCandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubmittedCandidate
        fields = ["position", "member_id", "member_name", "branch_name", "tier", "eligible", "year_points",
                  "best_rank", "rating", "honour_count", "reason"]


class SubmittedShortlistSerializer(serializers.ModelSerializer):
    township_code = serializers.CharField(source="township.code", read_only=True)
    candidates = SubmittedCandidateSerializer(many=True, read_only=True)

    class Meta:
        model = SubmittedShortlist
        fields = ["id", "township", "township_code", "kind", "year", "submitted_at", "candidates"]


class SubmittedShortlistView(CountyAPIView):
    @extend_schema(parameters=[YEAR], responses={200: SubmittedShortlistSerializer(many=True), **ERROR_RESPONSES},
                   tags=TAGS, operation_id="rewards_submitted_shortlists",
                   summary="Shortlists the townships submitted")
    def get(self, request):
        return Response(SubmittedShortlistSerializer(selectors.submitted_shortlists(year=_year(request))[:500],
                                                     many=True).data)


# --- County reward rollups -----------------------------------------------------------------------------

class RewardPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = RewardPolicy
        fields = ["year", *services.POLICY_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"year": {"validators": [], "min_value": 2000, "max_value": 2100},
                        **{name: {"min_value": 0, "max_digits": 14, "decimal_places": 2, "required": False}
                           for name in services.POLICY_FIELDS}}


class RewardPolicyView(CountyAPIView):
    @extend_schema(parameters=[YEAR], responses={200: RewardPolicySerializer(many=True), **ERROR_RESPONSES},
                   tags=TAGS, operation_id="rewards_policies_list", summary="County reward policies per year")
    def get(self, request):
        policies = RewardPolicy.objects.all()
        year = _year(request)
        if year:
            policies = policies.filter(year=year)
        return Response(RewardPolicySerializer(policies[:100], many=True).data)

    @extend_schema(request=RewardPolicySerializer, responses={200: RewardPolicySerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="rewards_policies_set",
                   summary="Create or change the reward policy of a year (refused once its rollup is approved)")
    def post(self, request):
        serializer = RewardPolicySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        policy = services.reward_policy_set(actor=request.user, year=data.pop("year"), **data)
        return Response(RewardPolicySerializer(policy).data)


class RollupTownshipSerializer(serializers.ModelSerializer):
    township_code = serializers.CharField(source="township.code", read_only=True)

    class Meta:
        model = RollupTownship
        fields = ["township", "township_code", "ok", "error", "members", "tiers", "tier_levels", "stars",
                  "candidates", "branches", "fair_scorers", "barred", "weight", "rank", "share", "special_share"]


class RollupCandidateSerializer(serializers.ModelSerializer):
    township_code = serializers.CharField(source="township.code", read_only=True)

    class Meta:
        model = RollupCandidate
        fields = ["township_code", "member_id", "member_name", "branch_name", "tier", "eligible", "shortlisted"]


class RollupRunSerializer(serializers.ModelSerializer):
    townships = serializers.SerializerMethodField()
    candidates = serializers.SerializerMethodField()

    class Meta:
        model = RollupRun
        fields = ["id", "year", "kind", "state", "started_at", "finished_at", "statements", "fallback", "budget",
                  "special_fund", "policy", "approved_at", "approval_note", "townships", "candidates"]

    @extend_schema_field(RollupTownshipSerializer(many=True))
    def get_townships(self, run):
        return RollupTownshipSerializer(selectors.rollup_townships(run=run), many=True).data

    @extend_schema_field(RollupCandidateSerializer(many=True))
    def get_candidates(self, run):
        return RollupCandidateSerializer(selectors.rollup_candidates(run=run), many=True).data


class RollupListView(CountyAPIView):
    @extend_schema(parameters=[YEAR], responses={200: RollupRunSerializer(many=True), **ERROR_RESPONSES},
                   tags=TAGS, operation_id="rewards_rollups_list",
                   summary="County reward rollups with each township's results, rank and shares")
    def get(self, request):
        return Response(RollupRunSerializer(selectors.rollup_runs(year=_year(request))[:20], many=True).data)


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RollupApproveView(CountyAPIView):
    @extend_schema(request=ApproveSerializer, responses={200: RollupRunSerializer, 404: ErrorSerializer,
                                                         **WRITE_RESPONSES},
                   tags=TAGS, operation_id="rewards_rollups_approve",
                   summary="Approve a collected rollup's allocation (locked afterwards)")
    def post(self, request, pk: int):
        run = selectors.rollup_get(pk=pk)
        if run is None:
            return Response({"detail": str(NOT_FOUND)}, status=status.HTTP_404_NOT_FOUND)
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.rollup_approve(actor=request.user, run=run, note=serializer.validated_data["note"])
        return Response(RollupRunSerializer(run).data)
