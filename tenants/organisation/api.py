"""A township's organisation over the API (/t/<code>/api/v1/): villages, branches, members.

Every queryset comes from the scoping selectors, so a user sees only what their roles allow:
no role in the township answers 403 for every endpoint, an object outside the user's scope 404.
Writes need `access.can_manage_organisation` (403) and go through the services with
`actor=request.user, access=request.access`; serializers only check types and shape output.
"""
from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship, StableOrderingFilter
from common.errors import PERMISSION_DENIED
from tenants.organisation.models import Branch, Member, MemberTransfer, Village
from tenants.organisation.selectors import (
    BranchFilter,
    MemberFilter,
    VillageFilter,
    branch_list,
    branch_scope,
    member_list,
    member_scope,
    member_transfers,
    village_list,
    village_scope,
)
from tenants.organisation.services import (
    branch_create,
    branch_update,
    member_create,
    member_transfer,
    member_update,
    village_create,
    village_update,
)


class ManagesOrganisationForWrites(permissions.BasePermission):
    message = PERMISSION_DENIED

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or request.access.can_manage_organisation


def _access(serializer):
    return serializer.context.get("access")


class ScopedChoicesMixin:
    """Limits related-object choices to what the asker may see (none when there is no asker)."""

    scoped_fields: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        access = _access(self)
        for name, scope in self.scoped_fields.items():
            if name in self.fields:
                field = self.fields[name]
                field.queryset = scope(access) if access is not None else field.queryset.none()


# --- villages ------------------------------------------------------------------------------------
class VillageSerializer(serializers.ModelSerializer):
    branch_count = serializers.IntegerField(read_only=True)
    member_count = serializers.IntegerField(read_only=True, help_text="Active members.")

    class Meta:
        model = Village
        fields = ["id", "name", "code", "branch_count", "member_count", "created_at", "updated_at"]


class VillageWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Village
        fields = ["name", "code"]


# --- branches ------------------------------------------------------------------------------------
class BranchSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    parent_name = serializers.CharField(source="parent.name", allow_null=True, read_only=True)
    village_name = serializers.CharField(source="village.name", allow_null=True, read_only=True)
    member_count = serializers.IntegerField(read_only=True, help_text="Active members.")

    class Meta:
        model = Branch
        fields = ["id", "name", "kind", "kind_label", "parent", "parent_name", "village", "village_name",
                  "member_count", "created_at", "updated_at"]


class BranchWriteSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    scoped_fields = {"parent": branch_scope, "village": village_scope}

    class Meta:
        model = Branch
        fields = ["name", "kind", "parent", "village"]


# --- members -------------------------------------------------------------------------------------
class MemberSerializer(serializers.ModelSerializer):
    """A member's record; the resident ID number is masked unless the asker may see it."""

    branch_name = serializers.CharField(source="branch.name", read_only=True)
    village = serializers.IntegerField(source="branch.village_id", allow_null=True, read_only=True)
    village_name = serializers.CharField(source="branch.village.name", allow_null=True, read_only=True)

    class Meta:
        model = Member
        fields = ["id", "name", "sex", "birth_date", "id_number", "phone", "joined_on", "kind",
                  "probation_ends_on", "category", "is_migrant", "migrant_location", "is_special_occupation",
                  "special_occupation", "is_elderly", "status", "branch", "branch_name", "village",
                  "village_name", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        access = _access(self)
        if access is None or not access.can_view_id_numbers:
            data["id_number"] = instance.masked_id_number
        return data


# The resident ID number is normalised and checked by the service (model validators in
# full_clean), so a number typed with spaces or a lower-case x is accepted.
_ID_NUMBER_INPUT = {"validators": [], "max_length": 32}


class MemberCreateSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    scoped_fields = {"branch": branch_scope}

    class Meta:
        model = Member
        fields = ["name", "sex", "birth_date", "id_number", "phone", "joined_on", "kind", "probation_ends_on",
                  "category", "is_migrant", "migrant_location", "is_special_occupation", "special_occupation",
                  "is_elderly", "status", "branch"]
        extra_kwargs = {"id_number": _ID_NUMBER_INPUT}


class MemberUpdateSerializer(serializers.ModelSerializer):
    """Everything but the branch: moving a member goes through the transfer action."""

    class Meta:
        model = Member
        fields = [f for f in MemberCreateSerializer.Meta.fields if f != "branch"]
        extra_kwargs = {"id_number": _ID_NUMBER_INPUT}


class MemberTransferCreateSerializer(ScopedChoicesMixin, serializers.Serializer):
    scoped_fields = {"to_branch": branch_scope}

    to_branch = serializers.PrimaryKeyRelatedField(
        queryset=Branch.objects.all(), required=False, allow_null=True,
        help_text="A branch of this township; leave empty when the member leaves the township.",
    )
    destination = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    transferred_on = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MemberTransferSerializer(serializers.ModelSerializer):
    from_branch_name = serializers.CharField(source="from_branch.name", read_only=True)
    to_branch_name = serializers.CharField(source="to_branch.name", allow_null=True, read_only=True)

    class Meta:
        model = MemberTransfer
        fields = ["id", "member", "from_branch", "from_branch_name", "to_branch", "to_branch_name",
                  "destination", "transferred_on", "reason", "recorded_at"]


# --- views ----------------------------------------------------------------------------------------
class OrganisationViewSet(
    AccessAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet,
):
    # List, read, create and edit; never delete (records are kept, members change status).
    permission_classes = [permissions.IsAuthenticated, InTownship, ManagesOrganisationForWrites]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    output_serializer = None
    write_serializers: dict = {}
    # The plain scoping selector (no aggregate) that decides whether one object is the asker's.
    scope = None

    def get_object(self):
        # Scope first, on the plain selector: an object outside the asker's scope is a 404 before
        # any aggregate runs (Citus refused the grouped query with a filter that cannot match).
        get_object_or_404(self.scope(self.request.access), pk=self.kwargs[self.lookup_field])
        return super().get_object()

    def get_serializer_class(self):
        return self.write_serializers.get(self.action, self.output_serializer)

    def _validated(self, instance=None, partial=False) -> dict:
        serializer_class = self.write_serializers[self.action]
        serializer = serializer_class(instance, data=self.request.data, partial=partial,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _output(self, instance, status_code=status.HTTP_200_OK) -> Response:
        """The written object as a read returns it (fresh from the scoped selector)."""
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.output_serializer(instance, context=self.get_serializer_context()).data,
                        status=status_code)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


@extend_schema_view(
    list=extend_schema(summary="Villages in your scope"),
    retrieve=extend_schema(summary="One village"),
    create=extend_schema(summary="Create a village", request=VillageWriteSerializer,
                         responses={201: VillageSerializer, **ERROR_RESPONSES}),
    update=extend_schema(summary="Edit a village", request=VillageWriteSerializer,
                         responses={200: VillageSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(summary="Edit some fields of a village", request=VillageWriteSerializer,
                                 responses={200: VillageSerializer, **ERROR_RESPONSES}),
)
class VillageViewSet(OrganisationViewSet):
    """Villages of this township within your scope."""

    output_serializer = VillageSerializer
    write_serializers = {"create": VillageWriteSerializer, "update": VillageWriteSerializer,
                         "partial_update": VillageWriteSerializer}
    filterset_class = VillageFilter
    scope = staticmethod(village_scope)
    ordering_fields = ["code", "name", "branch_count", "member_count", "created_at"]

    def get_queryset(self) -> QuerySet[Village]:
        if getattr(self, "swagger_fake_view", False):
            return Village.objects.none()
        return village_list(access=self.request.access)

    def create(self, request):
        village = village_create(actor=request.user, access=request.access, **self._validated())
        return self._output(village, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        village = self.get_object()
        data = self._validated(village, partial=partial)
        village = village_update(actor=request.user, access=request.access, village=village, **data)
        return self._output(village)


@extend_schema_view(
    list=extend_schema(summary="Branches in your scope"),
    retrieve=extend_schema(summary="One branch"),
    create=extend_schema(summary="Create a branch", request=BranchWriteSerializer,
                         responses={201: BranchSerializer, **ERROR_RESPONSES}),
    update=extend_schema(summary="Edit a branch", request=BranchWriteSerializer,
                         responses={200: BranchSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(summary="Edit some fields of a branch", request=BranchWriteSerializer,
                                 responses={200: BranchSerializer, **ERROR_RESPONSES}),
)
class BranchViewSet(OrganisationViewSet):
    """Branches of this township within your scope."""

    output_serializer = BranchSerializer
    write_serializers = {"create": BranchWriteSerializer, "update": BranchWriteSerializer,
                         "partial_update": BranchWriteSerializer}
    filterset_class = BranchFilter
    scope = staticmethod(branch_scope)
    ordering_fields = ["name", "kind", "member_count", "created_at"]

    def get_queryset(self) -> QuerySet[Branch]:
        if getattr(self, "swagger_fake_view", False):
            return Branch.objects.none()
        return branch_list(access=self.request.access)

    def create(self, request):
        branch = branch_create(actor=request.user, access=request.access, **self._validated())
        return self._output(branch, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        branch = self.get_object()
        data = self._validated(branch, partial=partial)
        branch = branch_update(actor=request.user, access=request.access, branch=branch, **data)
        return self._output(branch)


@extend_schema_view(
    list=extend_schema(summary="Members in your scope",
                       description="Resident ID numbers are masked unless you may see them."),
    retrieve=extend_schema(summary="One member"),
    create=extend_schema(summary="Create a member", request=MemberCreateSerializer,
                         responses={201: MemberSerializer, **ERROR_RESPONSES}),
    update=extend_schema(summary="Edit a member", request=MemberUpdateSerializer,
                         responses={200: MemberSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(summary="Edit some fields of a member", request=MemberUpdateSerializer,
                                 responses={200: MemberSerializer, **ERROR_RESPONSES}),
)
class MemberViewSet(OrganisationViewSet):
    """Members of this township within your scope: all, your villages' or branch's, or only yourself."""

    output_serializer = MemberSerializer
    write_serializers = {"create": MemberCreateSerializer, "update": MemberUpdateSerializer,
                         "partial_update": MemberUpdateSerializer, "transfer": MemberTransferCreateSerializer}
    filterset_class = MemberFilter
    scope = staticmethod(member_scope)
    ordering_fields = ["name", "birth_date", "joined_on", "branch", "status", "created_at"]

    def get_queryset(self) -> QuerySet[Member]:
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        return member_list(access=self.request.access)

    def create(self, request):
        member = member_create(actor=request.user, access=request.access, **self._validated())
        return self._output(member, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        member = self.get_object()
        data = self._validated(member, partial=partial)
        member = member_update(actor=request.user, access=request.access, member=member, **data)
        return self._output(member)

    @extend_schema(
        summary="Transfer a member to another branch, or out of the township",
        request=MemberTransferCreateSerializer,
        responses={201: MemberTransferSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        member = self.get_object()
        transfer = member_transfer(actor=request.user, access=request.access, member=member, **self._validated())
        return Response(MemberTransferSerializer(transfer).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="A member's transfer history", responses={200: MemberTransferSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def transfers(self, request, pk=None):
        member = self.get_object()
        return Response(MemberTransferSerializer(member_transfers(member=member), many=True).data)
