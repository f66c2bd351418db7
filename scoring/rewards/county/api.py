"""County API of the rewards (/api/v1/rewards/): honour templates, Party-member Star rule versions
(AND within a group, OR between groups) and the shortlists townships submitted. County admins only."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
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
    StarCondition,
    StarRuleVersion,
    SubmittedCandidate,
    SubmittedShortlist,
)

TAGS = ["rewards"]
WRITE_RESPONSES = {**ERROR_RESPONSES, 409: ErrorSerializer}
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
