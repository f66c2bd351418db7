"""A township's catalogue over the API (/t/<code>/api/v1/scoring/catalogue/).

Reading needs a role in the township that sees lists (or the township office / county admin);
`rules-in-force` with a member also works for anyone who may see that member (entry forms).
Adopting, localising and granting base scores need `access.runs_scoring`.
"""
from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship
from common.errors import PERMISSION_DENIED, NotFound
from scoring.catalogue import selectors, services
from scoring.catalogue.models import Rule, ScoringYear
from scoring.choices import ReviewLevel
from tenants.organisation.models import Member
from tenants.organisation.selectors import member_scope


class SeesCatalogue(permissions.BasePermission):
    message = PERMISSION_DENIED

    def has_permission(self, request, view):
        access = request.access
        if request.method in permissions.SAFE_METHODS:
            return access.sees_member_lists or access.runs_scoring or access.can_enter_points
        return access.runs_scoring


def _plain(value):
    """Decimals as strings (as every other API number is), booleans and null as they are."""
    return str(value) if isinstance(value, Decimal) else value


def diff_data(diffs) -> list[dict]:
    return [{
        "code": d.code, "name": d.name, "version": d.version, "effective_from": d.effective_from,
        "fields": [{"field": f.field, "template": _plain(f.template), "township": _plain(f.township)}
                   for f in d.fields],
    } for d in diffs]


class ScoringYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoringYear
        fields = ["year", "starts_on", "ends_on", "base_score", "template_id", "late_window_days", "review_levels",
                  "review_weights", "pass_line", "excellent_line", "basic_line", "adopted_at"]


class AdoptSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    template_id = serializers.IntegerField(required=False, allow_null=True, default=None,
                                           help_text="Default: the county's published template for the year.")
    base_score = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)
    late_window_days = serializers.IntegerField(min_value=0, max_value=366, required=False, allow_null=True)
    review_levels = serializers.ListField(child=serializers.ChoiceField(choices=ReviewLevel.choices), required=False)
    review_weights = serializers.DictField(child=serializers.DecimalField(max_digits=4, decimal_places=2),
                                           required=False, help_text="Level → weight; must add up to 1.")
    pass_line = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)
    excellent_line = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)
    basic_line = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rule
        fields = ["id", "code", "version", "name", "description", "category", "points_min", "points_max",
                  "monthly_cap", "yearly_cap", "evidence_required", "applies_to", "veto_rating", "is_active",
                  "effective_from", "effective_to", "template_item_id"]


class LocaliseSerializer(serializers.Serializer):
    effective_from = serializers.DateField()
    points_min = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    points_max = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    monthly_cap = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)
    yearly_cap = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)
    evidence_required = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class _Base(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship, SeesCatalogue]

    def _year(self, year) -> ScoringYear:
        return selectors.scoring_year_get(year=year)


class ScoringYearListView(_Base):
    @extend_schema(summary="Scoring years adopted by the township", responses={200: ScoringYearSerializer(many=True)})
    def get(self, request):
        return Response(ScoringYearSerializer(selectors.scoring_year_list(), many=True).data)

    @extend_schema(summary="Adopt the county template for a scoring year", request=AdoptSerializer,
                   responses={201: ScoringYearSerializer, **ERROR_RESPONSES})
    def post(self, request):
        serializer = AdoptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        scoring_year = services.scoring_year_adopt(actor=request.user, **serializer.validated_data)
        return Response(ScoringYearSerializer(scoring_year).data, status=status.HTTP_201_CREATED)


class ScoringYearDetailView(_Base):
    @extend_schema(summary="A scoring year with all rule versions and its differences from the template",
                   responses={200: inline_serializer("ScoringYearDetail", fields={
                       "year": ScoringYearSerializer(), "rules": RuleSerializer(many=True),
                       "diffs": serializers.ListField(child=serializers.DictField()),
                   }), **ERROR_RESPONSES})
    def get(self, request, year):
        scoring_year = self._year(year)
        return Response({
            "year": ScoringYearSerializer(scoring_year).data,
            "rules": RuleSerializer(selectors.rule_versions(scoring_year=scoring_year), many=True).data,
            "diffs": diff_data(selectors.catalogue_diff(scoring_year=scoring_year)),
        })


class RulesInForceView(_Base):
    @extend_schema(summary="Active rules in force on a date (for a member: only those that apply to them)",
                   parameters=[OpenApiParameter("on", OpenApiTypes.DATE, required=False),
                               OpenApiParameter("member", OpenApiTypes.INT, required=False)],
                   responses={200: RuleSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        on = serializers.DateField().run_validation(request.query_params.get("on")) \
            if request.query_params.get("on") else services.township_today()
        member = None
        if request.query_params.get("member"):
            try:
                member = member_scope(request.access).get(pk=int(request.query_params["member"]))
            except (Member.DoesNotExist, ValueError):
                raise NotFound() from None
        selectors.scoring_year_for(on=on)
        return Response(RuleSerializer(selectors.rules_in_force(on=on, member=member), many=True).data)


class RuleLocaliseView(_Base):
    @extend_schema(summary="Localise an item within the county's bounds from a date (new version)",
                   request=LocaliseSerializer, responses={201: RuleSerializer, **ERROR_RESPONSES})
    def post(self, request, year, item_code):
        scoring_year = self._year(year)
        serializer = LocaliseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.rule_localise(actor=request.user, scoring_year=scoring_year, code=item_code,
                                      **serializer.validated_data)
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class BaseScoresView(_Base):
    @extend_schema(summary="Grant the year's base score to active members lacking it (idempotent)", request=None,
                   responses={200: inline_serializer("BaseScoresGranted", fields={"granted": serializers.IntegerField()}),
                              **ERROR_RESPONSES})
    def post(self, request, year):
        scoring_year = self._year(year)
        count = services.base_scores_grant(scoring_year=scoring_year.year, today=services.township_today(),
                                           actor=request.user)
        return Response({"granted": count})
