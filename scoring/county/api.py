"""County scoring API (/api/v1/scoring/, public schema): policy, templates, items, localisations.

County admins only (`access.can_manage_templates`), reads included; writes go through the services.
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin
from common.errors import PERMISSION_DENIED
from scoring.county import selectors, services
from scoring.county.models import CountyPolicy, TemplateCatalogue, TemplateItem


class ManagesTemplates(permissions.BasePermission):
    message = PERMISSION_DENIED

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.access.can_manage_templates)


class CountyPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = CountyPolicy
        fields = ["year_start_month", "default_base_score", "late_window_days", "objection_days",
                  "objection_answer_days", "updated_at"]
        read_only_fields = ["updated_at"]


class TemplateItemSerializer(serializers.ModelSerializer):
    evidence_required = serializers.BooleanField(required=False, allow_null=True, default=None,
                                                 help_text="Default: required for additions (points above zero).")
    bound_min = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True,
                                         help_text="Default: points_min.")
    bound_max = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True,
                                         help_text="Default: points_max.")

    class Meta:
        model = TemplateItem
        fields = ["id", "code", "name", "description", "category", "points_min", "points_max", "monthly_cap",
                  "yearly_cap", "evidence_required", "applies_to", "veto_rating", "bound_min", "bound_max",
                  "may_disable", "sort_order"]
        validators = []  # uniqueness is the service's job (one error format)


class TemplateCatalogueSerializer(serializers.ModelSerializer):
    items = TemplateItemSerializer(many=True, read_only=True)

    class Meta:
        model = TemplateCatalogue
        fields = ["id", "year", "title", "document", "is_published", "created_at", "updated_at", "items"]
        read_only_fields = ["is_published", "created_at", "updated_at"]
        validators = []
        extra_kwargs = {"year": {"validators": []}}


class CopySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CountyPolicyView(AccessAPIMixin, APIView):
    permission_classes = [ManagesTemplates]

    @extend_schema(summary="The county's scoring policy", responses={200: CountyPolicySerializer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(CountyPolicySerializer(selectors.county_policy_get()).data)

    @extend_schema(summary="Change the county's scoring policy", request=CountyPolicySerializer,
                   responses={200: CountyPolicySerializer, **ERROR_RESPONSES})
    def patch(self, request):
        serializer = CountyPolicySerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = services.county_policy_update(actor=request.user, **serializer.validated_data)
        return Response(CountyPolicySerializer(policy).data)


class TemplateCatalogueViewSet(AccessAPIMixin, viewsets.ViewSet):
    permission_classes = [ManagesTemplates]
    serializer_class = TemplateCatalogueSerializer
    lookup_value_regex = "[0-9]+"
    queryset = TemplateCatalogue.objects.none()  # for the schema's path parameter type only

    def _get(self, pk) -> TemplateCatalogue:
        return selectors.template_catalogue_get(catalogue_id=pk)

    @extend_schema(summary="Template catalogues", responses={200: TemplateCatalogueSerializer(many=True)})
    def list(self, request):
        qs = selectors.template_catalogue_list().prefetch_related("items")
        return Response(TemplateCatalogueSerializer(qs, many=True).data)

    @extend_schema(summary="Create a template catalogue", request=TemplateCatalogueSerializer,
                   responses={201: TemplateCatalogueSerializer, **ERROR_RESPONSES})
    def create(self, request):
        serializer = TemplateCatalogueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        catalogue = services.template_catalogue_create(actor=request.user, **serializer.validated_data)
        return Response(TemplateCatalogueSerializer(catalogue).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="A template catalogue with its items",
                   responses={200: TemplateCatalogueSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, pk=None):
        return Response(TemplateCatalogueSerializer(self._get(pk)).data)

    @extend_schema(summary="Add an item (draft templates only)", request=TemplateItemSerializer,
                   responses={201: TemplateItemSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        catalogue = self._get(pk)
        serializer = TemplateItemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.template_item_create(actor=request.user, catalogue=catalogue, **serializer.validated_data)
        return Response(TemplateItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Copy to a new scoring year", request=CopySerializer,
                   responses={201: TemplateCatalogueSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        serializer = CopySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = services.template_catalogue_copy(actor=request.user, source=self._get(pk), **serializer.validated_data)
        return Response(TemplateCatalogueSerializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Publish to the townships", request=None,
                   responses={200: TemplateCatalogueSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        catalogue = services.template_catalogue_publish(actor=request.user, catalogue=self._get(pk))
        return Response(TemplateCatalogueSerializer(catalogue).data)

    @extend_schema(summary="Each ready township's differences from this template", responses={
        200: inline_serializer("TownshipLocalisation", many=True, fields={
            "township": serializers.CharField(), "adopted": serializers.BooleanField(),
            "scoring_year": serializers.IntegerField(allow_null=True),
            "diffs": serializers.ListField(child=serializers.DictField()),
        }), **ERROR_RESPONSES})
    @action(detail=True, methods=["get"])
    def localisations(self, request, pk=None):
        from scoring.catalogue.api import diff_data

        rows = selectors.template_localisations(catalogue=self._get(pk))
        return Response([{
            "township": row.township.code, "adopted": row.adopted,
            "scoring_year": row.year,
            "diffs": diff_data(row.diffs),
        } for row in rows])


class TemplateItemView(AccessAPIMixin, APIView):
    permission_classes = [ManagesTemplates]

    def _get(self, pk, item_pk) -> TemplateItem:
        return selectors.template_item_get(catalogue=selectors.template_catalogue_get(catalogue_id=pk),
                                           item_id=item_pk)

    @extend_schema(summary="Change an item (draft templates only)", request=TemplateItemSerializer,
                   responses={200: TemplateItemSerializer, **ERROR_RESPONSES})
    def patch(self, request, pk, item_pk):
        item = self._get(pk, item_pk)
        serializer = TemplateItemSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if not (k == "evidence_required" and v is None)}
        item = services.template_item_update(actor=request.user, item=item, **data)
        return Response(TemplateItemSerializer(item).data)

    @extend_schema(summary="Delete an item (draft templates only)", responses={204: None, **ERROR_RESPONSES})
    def delete(self, request, pk, item_pk):
        services.template_item_delete(actor=request.user, item=self._get(pk, item_pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
