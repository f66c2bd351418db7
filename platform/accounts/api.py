"""Accounts over the API: token login, "who am I", and the access plumbing every API view shares.

`AccessAPIMixin` recomputes `request.access` once DRF has authenticated the request: the
middleware only knows the session user, while an API client may come with a token. Every API
view of the project mixes it in and asks `request.access` (through the permission classes here
and the scoped selectors) on every request.
"""
from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import access_for
from accounts.backends import ACCOUNT_LOCKED, login_guard, login_locked
from accounts.models import RoleAssignment, User
from accounts.services import password_change, token_issue, token_revoke
from accounts.throttles import LoginAddressThrottle
from common.errors import DomainError, NotFound, PermissionDenied

INVALID_CREDENTIALS = _("Wrong username or password.")
NO_TOWNSHIP_ROLE = _("You hold no role in this township.")


# --- shared plumbing --------------------------------------------------------------------------
class AccessAPIMixin:
    """Sets `request.access` for the authenticated API user (session or token). Object ids in
    URLs are numbers: anything else does not match the route (404), never reaches an `int()`."""

    lookup_value_regex = "[0-9]+"

    def perform_authentication(self, request):
        super().perform_authentication(request)
        access = access_for(request.user, getattr(request._request, "tenant", None))
        request.access = access
        request._request.access = access

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["access"] = getattr(self.request, "access", None) if self.request is not None else None
        return context


class InTownship(permissions.BasePermission):
    """Some role in this township, or county admin (at county level: county admin only)."""

    message = NO_TOWNSHIP_ROLE

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.access.can_enter_township)


class StableOrderingFilter(OrderingFilter):
    """Ordering with the primary key as tie-breaker, so pages never repeat or skip rows."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or queryset.query.order_by
                        or queryset.model._meta.ordering or [])
        if not any(term.lstrip("-") in ("pk", "id") for term in ordering):
            ordering.append("id")
        return ordering


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API: {"error": {"code", "message", "fields"}}."""

    error = ErrorDetailSerializer()


ERROR_RESPONSES = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


# --- token login --------------------------------------------------------------------------------
class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(trim_whitespace=False, write_only=True, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


def token_obtain(*, request, username: str, password: str) -> Token:
    """The user's API token for a correct password, under the same guards and lockout as the login
    page (`accounts.backends`). A locked account is refused (403) even with the right password;
    the failure that locks it answers with the locked message too. A success is a login like the
    page's (signal `user_logged_in`: last login, axes' login record and reset)."""
    refusal = login_guard(request, username, throttle=False)
    if refusal:
        raise PermissionDenied(refusal, code="account_guarded")
    user = authenticate(request, username=username, password=password)
    if user is None:
        if login_locked(request):
            raise PermissionDenied(ACCOUNT_LOCKED, code="account_locked")
        raise DomainError(INVALID_CREDENTIALS, code="invalid_credentials")
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token_issue(user=user)


class AuthTokenView(APIView):
    """Exchange a username and password for an API token (send it as `Authorization: Token <key>`)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [LoginAddressThrottle]

    @extend_schema(
        request=TokenRequestSerializer, responses={200: TokenSerializer, 400: ErrorSerializer, 403: ErrorSerializer,
                                                   429: ErrorSerializer},
        auth=[], tags=["auth"], operation_id="auth_token_create",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = token_obtain(request=request._request, **serializer.validated_data)
        return Response(TokenSerializer({"token": token.key}).data)


# --- who am I -------------------------------------------------------------------------------------
class RoleSerializer(serializers.ModelSerializer):
    township = serializers.CharField(source="township.code", allow_null=True, read_only=True)
    township_name = serializers.CharField(source="township.name", allow_null=True, read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["township", "township_name", "role", "role_label", "village_ids", "branch_id", "member_id"]


class AccessSerializer(serializers.Serializer):
    """What the user may do where this request was made (a township, or the county)."""

    township = serializers.CharField(allow_null=True)
    is_county_admin = serializers.BooleanField()
    can_enter_township = serializers.BooleanField()
    can_manage_organisation = serializers.BooleanField()
    can_view_id_numbers = serializers.BooleanField()
    can_view_audit = serializers.BooleanField()


class UserSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="May be empty.")

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "phone", "language"]


class MeSerializer(serializers.Serializer):
    user = UserSerializer()
    roles = RoleSerializer(many=True)
    access = AccessSerializer()


def user_roles(*, user) -> list[RoleAssignment]:
    """Every role the user holds, county-wide first, then by township code."""
    return list(
        RoleAssignment.objects.filter(user=user).select_related("township")
        .order_by(F("township__code").asc(nulls_first=True), "role")
    )


class MeView(AccessAPIMixin, APIView):
    """The signed-in user, their roles in every township, and what they may do where asked."""

    @extend_schema(responses={200: MeSerializer}, tags=["auth"], operation_id="me_retrieve")
    def get(self, request):
        access = request.access
        tenant = getattr(request._request, "tenant", None)
        return Response(MeSerializer({
            "user": request.user,
            "roles": user_roles(user=request.user),
            "access": {
                "township": None if tenant is None or tenant.is_county else tenant.code,
                "is_county_admin": access.is_county_admin,
                "can_enter_township": access.can_enter_township,
                "can_manage_organisation": access.can_manage_organisation,
                "can_view_id_numbers": access.can_view_id_numbers,
                "can_view_audit": access.can_view_audit,
            },
        }).data)


# --- own password -----------------------------------------------------------------------------------
class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False)
    new_password = serializers.CharField(trim_whitespace=False)


class MePasswordView(AccessAPIMixin, APIView):
    """Change your own password (an account with an initial password must do this first)."""

    @extend_schema(request=PasswordChangeSerializer, responses={204: None, 400: ErrorSerializer},
                   tags=["auth"], operation_id="me_password_change")
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_change(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)



class MeTokenView(AccessAPIMixin, APIView):
    """Revoke your own API token (every client using it must log in again)."""

    @extend_schema(request=None, responses={204: None}, tags=["auth"], operation_id="me_token_revoke")
    def delete(self, request):
        token_revoke(actor=request.user, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PersonTokenView(AccessAPIMixin, APIView):
    """The township office revokes the API token of someone holding a role in the township."""

    permission_classes = [permissions.IsAuthenticated, InTownship]

    @extend_schema(request=None, responses={204: None, 400: ErrorSerializer, 403: ErrorSerializer,
                                            404: ErrorSerializer},
                   tags=["auth"], operation_id="person_token_revoke")
    def delete(self, request, user_id: int):
        from accounts.models import Role

        if not (request.access.is_county_admin or request.access.has_role(Role.TOWNSHIP_OFFICE)):
            raise PermissionDenied()
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise NotFound()
        token_revoke(actor=request.user, user=user, township=request._request.tenant)
        return Response(status=status.HTTP_204_NO_CONTENT)
