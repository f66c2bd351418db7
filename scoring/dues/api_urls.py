"""API routes of scoring.dues (included by config.api_tenant under dues/)."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from scoring.dues.api import (
    ArrearsView,
    BaseViewSet,
    ExemptionViewSet,
    MemberArrearsView,
    PaymentViewSet,
    PolicyView,
)

router = SimpleRouter()
router.register("payments", PaymentViewSet, basename="dues-payment")
router.register("bases", BaseViewSet, basename="dues-base")
router.register("exemptions", ExemptionViewSet, basename="dues-exemption")

urlpatterns = [
    path("arrears/", ArrearsView.as_view(), name="dues-arrears"),
    path("arrears/members/", MemberArrearsView.as_view(), name="dues-member-arrears"),
    path("policy/", PolicyView.as_view(), name="dues-policy"),
    *router.urls,
]
