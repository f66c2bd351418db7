"""Party dues over the township API (/t/<code>/api/v1/dues/...): arrears per branch and member,
the dues ledger (payments and corrections, append-only), bases and exemptions, the county rule."""
from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship
from scoring.dues import services
from scoring.dues.county.selectors import Basis, dues_policy_get
from scoring.dues.models import DuesBase, DuesExemption, DuesPayment
from scoring.dues.selectors import (
    arrears_overview,
    base_list,
    branch_get,
    can_read_dues,
    exemption_list,
    member_dues,
    payment_get,
    payment_list,
    through_month,
)
from scoring.ledger.selectors import township_today


class CanReadDues(permissions.BasePermission):
    def has_permission(self, request, view):
        return can_read_dues(request.access)


class BranchArrearsSerializer(serializers.Serializer):
    branch = serializers.IntegerField(source="branch_id")
    branch_name = serializers.CharField(source="branch.name")
    members = serializers.IntegerField()
    expected = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    arrears = serializers.DecimalField(max_digits=12, decimal_places=2)
    members_in_arrears = serializers.IntegerField()


class MemberArrearsSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField()
    branch = serializers.IntegerField(source="branch_id")
    expected = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    arrears = serializers.DecimalField(max_digits=12, decimal_places=2)
    exempt_months = serializers.IntegerField()


class ArrearsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    branch = serializers.IntegerField(min_value=1, max_value=2**62, required=False)


class PaymentSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = DuesPayment
        fields = ["id", "member", "member_name", "kind", "amount", "method", "receipt_number", "year", "first_month",
                  "last_month", "paid_on", "corrects", "reason", "recorded_by_id", "recorded_at"]


class PaymentInSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**62)
    amount = serializers.DecimalField(max_digits=9, decimal_places=2)
    method = serializers.ChoiceField(choices=DuesPayment.Method.choices)
    receipt_number = serializers.CharField(max_length=40)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    first_month = serializers.IntegerField(min_value=1, max_value=12)
    last_month = serializers.IntegerField(min_value=1, max_value=12)
    paid_on = serializers.DateField()


class CorrectionSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=9, decimal_places=2)
    reason = serializers.CharField(max_length=300)


class BaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuesBase
        fields = ["id", "member", "basis", "monthly_income", "monthly_amount", "effective_from", "note", "set_by_id",
                  "set_at"]


class BaseInSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**62)
    basis = serializers.ChoiceField(choices=Basis.choices)
    monthly_income = serializers.DecimalField(max_digits=9, decimal_places=2, required=False, allow_null=True,
                                              default=None, min_value=0)
    effective_from = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ExemptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuesExemption
        fields = ["id", "member", "reason_kind", "reason", "first_month", "last_month", "decided_by_id",
                  "decided_at"]


class ExemptionInSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**62)
    reason_kind = serializers.ChoiceField(choices=DuesExemption.Reason.choices)
    reason = serializers.CharField(max_length=300)
    first_month = serializers.DateField()
    last_month = serializers.DateField()


class PolicySerializer(serializers.Serializer):
    bracket1_up_to = serializers.DecimalField(max_digits=9, decimal_places=2)
    bracket1_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    bracket2_up_to = serializers.DecimalField(max_digits=9, decimal_places=2)
    bracket2_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    bracket3_up_to = serializers.DecimalField(max_digits=9, decimal_places=2)
    bracket3_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    top_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    farmer_monthly = serializers.DecimalField(max_digits=9, decimal_places=2)
    minimum_monthly = serializers.DecimalField(max_digits=9, decimal_places=2)


class _DuesView(AccessAPIMixin):
    permission_classes = [permissions.IsAuthenticated, InTownship, CanReadDues]


class ArrearsView(_DuesView, APIView):
    @extend_schema(summary="Dues arrears per branch for a year (expected − paid, exemptions applied)",
                   tags=["dues"], parameters=[ArrearsQuerySerializer],
                   responses={200: BranchArrearsSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        query = ArrearsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = township_today()
        rows = arrears_overview(access=request.access, year=query.validated_data.get("year", today.year), today=today)
        return Response(BranchArrearsSerializer(rows, many=True).data)


class MemberArrearsView(_DuesView, APIView):
    @extend_schema(summary="Dues arrears per member of one branch for a year", tags=["dues"],
                   parameters=[OpenApiParameter("branch", int, required=True),
                               OpenApiParameter("year", int, required=False)],
                   responses={200: MemberArrearsSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        query = ArrearsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if "branch" not in query.validated_data:
            raise serializers.ValidationError({"branch": ["This field is required."]})
        branch = branch_get(access=request.access, pk=query.validated_data["branch"])
        today = township_today()
        year = query.validated_data.get("year", today.year)
        rows = member_dues(branch_ids=[branch.pk], year=year, through=through_month(year=year, today=today))
        return Response(MemberArrearsSerializer(rows, many=True).data)


class PolicyView(_DuesView, APIView):
    @extend_schema(summary="The county's dues rule", tags=["dues"], responses={200: PolicySerializer})
    def get(self, request):
        return Response(PolicySerializer(dues_policy_get()).data)


@extend_schema_view(
    list=extend_schema(summary="Dues ledger lines in scope (payments and corrections)", tags=["dues"]),
    retrieve=extend_schema(summary="One dues ledger line", tags=["dues"]),
)
class PaymentViewSet(_DuesView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PaymentSerializer

    def get_queryset(self) -> QuerySet[DuesPayment]:
        if getattr(self, "swagger_fake_view", False):
            return DuesPayment.objects.none()
        return payment_list(access=self.request.access)

    @extend_schema(summary="Record a payment with its receipt number (clerk, township office)", tags=["dues"],
                   request=PaymentInSerializer, responses={201: PaymentSerializer, **ERROR_RESPONSES})
    def create(self, request):
        serializer = PaymentInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        payment = services.dues_payment_record(actor=request.user, access=request.access,
                                               member_id=d.pop("member"), **d)
        return Response(PaymentSerializer(payment_get(access=request.access, pk=payment.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Correct a payment with a new line (never an edit)", tags=["dues"],
                   request=CorrectionSerializer, responses={201: PaymentSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        payment = self.get_object()
        serializer = CorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line = services.dues_payment_correct(actor=request.user, access=request.access, payment_id=payment.pk,
                                             **serializer.validated_data)
        return Response(PaymentSerializer(payment_get(access=request.access, pk=line.pk)).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Dues bases in scope", tags=["dues"]))
class BaseViewSet(_DuesView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = BaseSerializer

    def get_queryset(self) -> QuerySet[DuesBase]:
        if getattr(self, "swagger_fake_view", False):
            return DuesBase.objects.none()
        return base_list(access=self.request.access)

    @extend_schema(summary="Set a member's dues base from a month (township office)", tags=["dues"],
                   request=BaseInSerializer, responses={201: BaseSerializer, **ERROR_RESPONSES})
    def create(self, request):
        serializer = BaseInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        base = services.dues_base_set(actor=request.user, access=request.access, member_id=d.pop("member"), **d)
        return Response(BaseSerializer(base).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Dues exemptions in scope", tags=["dues"]))
class ExemptionViewSet(_DuesView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ExemptionSerializer

    def get_queryset(self) -> QuerySet[DuesExemption]:
        if getattr(self, "swagger_fake_view", False):
            return DuesExemption.objects.none()
        return exemption_list(access=self.request.access)

    @extend_schema(summary="Exempt a member for a run of months (township office)", tags=["dues"],
                   request=ExemptionInSerializer, responses={201: ExemptionSerializer, **ERROR_RESPONSES})
    def create(self, request):
        serializer = ExemptionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        exemption = services.dues_exemption_grant(actor=request.user, access=request.access,
                                                  member_id=d.pop("member"), **d)
        return Response(ExemptionSerializer(exemption).data, status=status.HTTP_201_CREATED)
