"""Townships over the API (county level, /api/v1/townships/).

County admins list every township with its status, create one (provisioning runs in a task,
so creation answers 202), archive it or retry a failed provisioning. Anyone else lists and
reads only the ready townships they hold a role in.
"""
from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, ErrorSerializer, StableOrderingFilter
from common.errors import PERMISSION_DENIED
from tenants.townships.models import Township
from tenants.townships.selectors import township_list, township_list_for_user
from tenants.townships.services import (
    township_archive,
    township_create,
    township_restore,
    township_retry_provisioning,
)


class CountyAdminForWrites(permissions.BasePermission):
    message = PERMISSION_DENIED

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or request.access.is_county_admin


class TownshipSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    url_prefix = serializers.CharField(read_only=True)
    api_root = serializers.SerializerMethodField()

    class Meta:
        model = Township
        fields = ["id", "code", "name", "status", "status_label", "time_zone", "failure_reason", "created_at",
                  "provisioned_at", "archived_at", "archive_reason", "url_prefix", "api_root"]
        read_only_fields = fields

    def get_api_root(self, township) -> str:
        return f"{township.url_prefix()}api/v1/"


class TownshipArchiveSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the township is taken out of service (recorded).")
    confirm = serializers.CharField(help_text="The township's code, typed out, to confirm.")


class TownshipRestoreSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the township is brought back (recorded).")


class TownshipCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    code = serializers.CharField(max_length=31)
    time_zone = serializers.CharField(max_length=64, required=False)


@extend_schema_view(
    list=extend_schema(summary="List townships"),
    retrieve=extend_schema(summary="One township"),
)
class TownshipViewSet(AccessAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Townships: all of them for county admins, else the ready ones you hold a role in."""

    permission_classes = [permissions.IsAuthenticated, CountyAdminForWrites]
    serializer_class = TownshipSerializer
    lookup_field = "code"
    lookup_value_regex = "[a-z][a-z0-9-]{1,30}"
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_fields = ["status"]
    ordering_fields = ["code", "name", "status", "created_at"]

    def get_queryset(self) -> QuerySet[Township]:
        if getattr(self, "swagger_fake_view", False):
            return Township.objects.none()
        if self.request.access.is_county_admin:
            return township_list()
        return township_list_for_user(user=self.request.user)

    def get_serializer_class(self):
        return TownshipCreateSerializer if self.action == "create" else TownshipSerializer

    @extend_schema(
        summary="Create a township (provisioned in the background)",
        request=TownshipCreateSerializer, responses={202: TownshipSerializer, **ERROR_RESPONSES},
    )
    def create(self, request):
        serializer = TownshipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        township = township_create(actor=request.user, **serializer.validated_data)
        return Response(TownshipSerializer(township).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Archive a township (reason and the code typed out to confirm)",
                   request=TownshipArchiveSerializer, responses={200: TownshipSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def archive(self, request, code=None):
        serializer = TownshipArchiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        township = township_archive(actor=request.user, township=self.get_object(), **serializer.validated_data)
        return Response(TownshipSerializer(township).data)

    @extend_schema(summary="Restore an archived township", request=TownshipRestoreSerializer,
                   responses={200: TownshipSerializer, 409: ErrorSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def restore(self, request, code=None):
        serializer = TownshipRestoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        township = township_restore(actor=request.user, township=self.get_object(), **serializer.validated_data)
        return Response(TownshipSerializer(township).data)

    @extend_schema(
        summary="Retry a failed provisioning", request=None,
        responses={202: TownshipSerializer, 409: ErrorSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, code=None):
        township = township_retry_provisioning(actor=request.user, township=self.get_object())
        return Response(TownshipSerializer(township).data, status=status.HTTP_202_ACCEPTED)
