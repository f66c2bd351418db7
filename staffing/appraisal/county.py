"""The county's side of pay: the pay policy per year, floor exceptions to decide, and each ready
township's pay sheets with their totals against the floor (page /staffing/pay/ and API
/api/v1/staffing/pay/...)."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, ErrorSerializer
from common import clock
from common.decorators import access_required
from common.errors import DomainError, PermissionDenied
from staffing.county.models import PayException, PayPolicy, pay_policy_get
from staffing.county.services import pay_exception_decide, pay_policy_set

SAVED = _("Saved.")
TAGS = ["staffing"]
county_required = access_required(lambda access: access.is_county_admin)


def exceptions_named():
    """Floor exceptions with their township's name (one query; the clerk's name is stored with each)."""
    from django.db.models import OuterRef, Subquery

    from tenants.townships.models import Township

    return PayException.objects.annotate(
        township_name=Subquery(Township.objects.filter(code=OuterRef("township_code")).values("name")[:1]))


# Per sheet of the year: its month and status, the clerks paid, the sheet's total and the lowest
# clerk total (a clerk's lines summed, corrections included), as one SELECT per schema for `union_all`.
TOTALS_SQL = """
SELECT month, status, count(*) AS clerks, sum(total) AS total, min(total) AS lowest
  FROM (SELECT s.month, s.status, l.clerk_id, sum(l.total) AS total
          FROM {schema}.appraisal_payline l JOIN {schema}.appraisal_paysheet s ON s.id = l.sheet_id
         WHERE s.year = %s
         GROUP BY s.id, s.month, s.status, l.clerk_id) per_clerk
 GROUP BY month, status
"""


def township_totals(year: int) -> list[dict]:
    """Per ready township and month of `year`: sheet status, clerks paid, total and the lowest clerk
    total against the year's floor. ONE statement over every ready township's schema
    (`crossschema.union_all`) whatever their number, plus the policy and the township list."""
    from tenants.townships.crossschema import union_all
    from tenants.townships.selectors import township_list_ready

    policy = pay_policy_get(year)
    townships = list(township_list_ready())
    by_township: dict[int, list[dict]] = {}
    for row in union_all(townships=townships, sql=TOTALS_SQL, params=[year]):
        by_township.setdefault(row["township_id"], []).append(row)
    rows = []
    for township in townships:
        for m in sorted(by_township.get(township.pk, []), key=lambda r: r["month"]):
            rows.append({"code": township.code, "name": township.name, "month": m["month"], "status": m["status"],
                         "clerks": m["clerks"], "total": m["total"], "lowest": m["lowest"],
                         "below_floor": bool(policy and m["lowest"] is not None and m["lowest"] < policy.floor)})
    return rows


@county_required
def county_pay_view(request):
    year = clock.today().year
    asked = request.GET.get("year", "")
    if asked.isdigit() and 2000 <= int(asked) <= 2100:
        year = int(asked)
    if request.method == "POST":
        try:
            pay_policy_set(actor=request.user, year=int(request.POST.get("year", year)),
                           base_pay=request.POST.get("base_pay", ""), floor=request.POST.get("floor", ""),
                           performance_base=request.POST.get("performance_base", ""),
                           allowances={g: request.POST.get(f"allowance_{g}", "") for g in "ABCD"},
                           pension_rate=request.POST.get("pension_rate") or 0,
                           medical_rate=request.POST.get("medical_rate") or 0,
                           unemployment_rate=request.POST.get("unemployment_rate") or 0)
            messages.success(request, SAVED)
        except (DomainError, ValueError) as exc:
            messages.error(request, str(getattr(exc, "message", exc)))
        return redirect("staffing_pay_county:home")
    return render(request, "appraisal/county_pay.html", {
        "year": year, "policy": pay_policy_get(year), "policies": PayPolicy.objects.all()[:10],
        "exceptions": exceptions_named()[:100], "rows": township_totals(year)})


@require_POST
@county_required
def county_exception_decide_view(request, pk):
    try:
        pay_exception_decide(actor=request.user, exception_id=pk, approve=request.POST.get("decision") == "approve")
        messages.success(request, SAVED)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("staffing_pay_county:home")


class PayPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = PayPolicy
        fields = ["year", "base_pay", "allowances", "performance_base", "floor", "pension_rate", "medical_rate",
                  "unemployment_rate"]


class PayPolicyRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    base_pay = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0)
    allowances = serializers.DictField(child=serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0))
    performance_base = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0)
    floor = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0)
    pension_rate = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1, default=0)
    medical_rate = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1, default=0)
    unemployment_rate = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1, default=0)


class PayExceptionSerializer(serializers.ModelSerializer):
    township_name = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = PayException
        fields = ["id", "township_code", "township_name", "clerk_id", "clerk_name", "year", "month", "reason",
                  "status", "decided_at"]


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "refuse"])


class CountyTotalSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    month = serializers.IntegerField()
    status = serializers.CharField()
    clerks = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    lowest = serializers.DecimalField(max_digits=10, decimal_places=2)
    below_floor = serializers.BooleanField()


class CountyAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.access.is_county_admin:
            raise PermissionDenied()


class PayPolicyView(CountyAPIView):
    @extend_schema(responses={200: PayPolicySerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_pay_policies_list", summary="County pay policies (county)")
    def get(self, request):
        return Response(PayPolicySerializer(PayPolicy.objects.all()[:50], many=True).data)

    @extend_schema(request=PayPolicyRequestSerializer, responses={200: PayPolicySerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="staffing_pay_policies_set", summary="Set a year's pay policy (county)")
    def post(self, request):
        serializer = PayPolicyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy = pay_policy_set(actor=request.user, **serializer.validated_data)
        return Response(PayPolicySerializer(policy).data)


class PayExceptionListView(CountyAPIView):
    @extend_schema(responses={200: PayExceptionSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_pay_exceptions_list", summary="Floor exceptions (county)")
    def get(self, request):
        return Response(PayExceptionSerializer(exceptions_named()[:500], many=True).data)


class PayExceptionDecideView(CountyAPIView):
    @extend_schema(request=DecideSerializer, responses={200: PayExceptionSerializer, **ERROR_RESPONSES,
                                                        409: ErrorSerializer},
                   tags=TAGS, operation_id="staffing_pay_exception_decide", summary="Decide a floor exception")
    def post(self, request, pk: int):
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        exc = pay_exception_decide(actor=request.user, exception_id=pk,
                                   approve=serializer.validated_data["decision"] == "approve")
        return Response(PayExceptionSerializer(exceptions_named().get(pk=exc.pk)).data)


class CountyTotalsView(CountyAPIView):
    @extend_schema(responses={200: CountyTotalSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="staffing_pay_county_totals",
                   summary="Each township's monthly pay totals and lowest clerk total against the floor (county)")
    def get(self, request):
        return Response(CountyTotalSerializer(township_totals(clock.today().year), many=True).data)


