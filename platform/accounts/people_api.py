"""People of a township over the API (/t/<code>/api/v1/people/), with the rules of the people pages
(`accounts.views`): the township office (or a county admin) lists who holds which role, gives a role
to an existing user or to a new one (initial password), changes a role's scope, takes a role away
(the assignment ends; the user's other townships are untouched), and creates member accounts for a
branch in bulk. Users and roles live in the public schema; the services write their audit there.
"""
from __future__ import annotations

from django_tenants.utils import get_public_schema_name, schema_context
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship
from accounts.forms import TOWNSHIP_ROLES
from accounts.models import Role, RoleAssignment
from common.errors import NotFound, PermissionDenied
from tenants.townships.selectors import role_scope_names, township_role_list

TAGS = ["people"]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    is_active = serializers.BooleanField()


class RoleAssignmentSerializer(serializers.ModelSerializer):
    user = PersonSerializer()
    role_label = serializers.CharField(source="get_role_display")
    scope_labels = serializers.SerializerMethodField()

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "role", "role_label", "village_ids", "branch_id", "member_id", "scope_labels",
                  "created_at"]

    def get_scope_labels(self, obj) -> list[str]:
        names = self.context.get("names") or {"villages": {}, "branches": {}, "members": {}}
        labels = [names["villages"].get(v, f"#{v}") for v in obj.village_ids]
        if obj.branch_id:
            labels.append(names["branches"].get(obj.branch_id, f"#{obj.branch_id}"))
        if obj.member_id:
            labels.append(names["members"].get(obj.member_id, f"#{obj.member_id}"))
        return labels


class ScopeSerializer(serializers.Serializer):
    village_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62),
                                        required=False, max_length=200)
    branch_id = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True)
    member_id = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True)


class RoleGiveSerializer(ScopeSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, write_only=True,
                                     max_length=128, help_text="Only to create a new user (initial password).")
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    role = serializers.ChoiceField(choices=TOWNSHIP_ROLES)


class MemberAccountsRequestSerializer(serializers.Serializer):
    branch_id = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True)
    member_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62),
                                       required=False, max_length=500)


class CredentialSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    member_name = serializers.CharField()
    branch_name = serializers.CharField()
    username = serializers.CharField()
    password = serializers.CharField(help_text="The initial password: returned this once, never stored in clear.")


class MemberAccountsSerializer(serializers.Serializer):
    created = CredentialSerializer(many=True)
    already = serializers.IntegerField(help_text="Chosen members who already had an account (left alone).")


def _scope(data: dict) -> dict:
    return {"village_ids": data.get("village_ids") or [], "branch_id": data.get("branch_id"),
            "member_id": data.get("member_id")}


class PeopleAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        access = request.access
        if request._request.tenant.is_county or not (access.is_county_admin or access.has_role(Role.TOWNSHIP_OFFICE)):
            raise PermissionDenied()

    def _out(self, assignments, *, many=False):
        items = list(assignments) if many else [assignments]
        names = role_scope_names(assignments=items)
        serializer = RoleAssignmentSerializer(items if many else items[0], many=many, context={"names": names})
        return serializer.data

    def _assignment(self, pk: int) -> RoleAssignment:
        assignment = township_role_list(township=self.request._request.tenant).filter(pk=pk).first()
        if assignment is None:
            raise NotFound()
        return assignment

    def _valid(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class RoleListView(PeopleAPIView):
    @extend_schema(responses={200: RoleAssignmentSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="people_roles_list", summary="Who holds which role in this township")
    def get(self, request):
        return Response(self._out(township_role_list(township=request._request.tenant), many=True))

    @extend_schema(request=RoleGiveSerializer, responses={201: RoleAssignmentSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="people_role_give",
                   summary="Give a role to an existing user, or to a new user (with an initial password)")
    def post(self, request):
        data = self._valid(RoleGiveSerializer)
        with schema_context(get_public_schema_name()):
            assignment = services.role_give(
                actor=request.user, township=request._request.tenant, username=data["username"],
                password=data.get("password", ""), full_name=data.get("full_name", ""),
                phone=data.get("phone", ""), role=data["role"], **_scope(data))
        return Response(self._out(self._assignment(assignment.pk)), status=status.HTTP_201_CREATED)


class RoleDetailView(PeopleAPIView):
    @extend_schema(responses={200: RoleAssignmentSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="people_role_get", summary="One role assignment")
    def get(self, request, pk: int):
        return Response(self._out(self._assignment(pk)))

    @extend_schema(request=ScopeSerializer, responses={200: RoleAssignmentSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="people_role_update", summary="Change the villages, branch or member a role covers")
    def patch(self, request, pk: int):
        assignment = self._assignment(pk)
        data = self._valid(ScopeSerializer)
        scope = {"village_ids": assignment.village_ids, "branch_id": assignment.branch_id,
                 "member_id": assignment.member_id}
        scope.update({key: value for key, value in data.items() if key in scope})
        with schema_context(get_public_schema_name()):
            services.role_assign(actor=request.user, user=assignment.user, role=assignment.role,
                                 township=request._request.tenant, **scope)
        return Response(self._out(self._assignment(pk)))

    @extend_schema(request=None, responses={204: None, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="people_role_revoke", summary="Take the role away (the user's other roles stay)")
    def delete(self, request, pk: int):
        assignment = self._assignment(pk)
        with schema_context(get_public_schema_name()):
            services.role_revoke(actor=request.user, assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberAccountsView(PeopleAPIView):
    @extend_schema(request=MemberAccountsRequestSerializer, responses={201: MemberAccountsSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="people_member_accounts_create",
                   summary="Member accounts for a branch's members (or the chosen ones) without one; "
                           "the initial passwords are in this answer only")
    def post(self, request):
        data = self._valid(MemberAccountsRequestSerializer)
        with schema_context(get_public_schema_name()):
            result = services.member_accounts_create(
                actor=request.user, township=request._request.tenant, branch_id=data.get("branch_id"),
                member_ids=data.get("member_ids") or None)
        response = Response(MemberAccountsSerializer(result).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response
