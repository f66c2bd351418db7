"""County API (/api/v1/oversight/tips/): tips routed to the county and the rollup of tips by
status per township. County admins only."""
from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import AccessAPIMixin
from common.errors import PERMISSION_DENIED
from scoring.tips.county.models import CountyTip, CountyTipMessage, CountyTipNote
from scoring.tips.county.selectors import can_handle_county_tips, county_tip_list, tips_rollup


class HandlesCountyTips(permissions.BasePermission):
    message = PERMISSION_DENIED

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and can_handle_county_tips(request.access))


class CountyMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = CountyTipMessage
        fields = ["id", "from_reporter", "author_id", "body", "created_at"]


class CountyNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = CountyTipNote
        fields = ["id", "author_id", "body", "created_at"]


class CountyTipSerializer(serializers.ModelSerializer):
    township_code = serializers.CharField(source="township.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    messages = CountyMessageSerializer(many=True, read_only=True)
    notes = CountyNoteSerializer(many=True, read_only=True)

    class Meta:
        model = CountyTip
        fields = ["id", "township", "township_code", "channel", "status", "status_label", "subject", "body",
                  "anonymous", "reporter_name", "reporter_contact", "received_at", "status_changed_at", "outcome",
                  "messages", "notes"]


class RollupRowSerializer(serializers.Serializer):
    township = serializers.CharField(source="township.code")
    township_name = serializers.CharField(source="township.name")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Township's own tips by status.")
    total = serializers.IntegerField()
    county_counts = serializers.DictField(child=serializers.IntegerField(),
                                          help_text="Tips about its office routed to the county, by status.")
    county_total = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(summary="Tips about townships' own offices or leaders (county)", tags=["tips"]),
    retrieve=extend_schema(summary="One tip routed to the county", tags=["tips"]),
)
class CountyTipViewSet(AccessAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [HandlesCountyTips]
    serializer_class = CountyTipSerializer

    def get_queryset(self) -> QuerySet[CountyTip]:
        if getattr(self, "swagger_fake_view", False):
            return CountyTip.objects.none()
        return county_tip_list(access=self.request.access).prefetch_related("messages", "notes")

    @extend_schema(summary="Tips by status per township (county rollup)", tags=["tips"],
                   responses={200: RollupRowSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)
    def rollup(self, request):
        return Response(RollupRowSerializer(tips_rollup(access=request.access), many=True).data)
