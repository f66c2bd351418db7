"""County API routes of staffing.appraisal (included by config.api_public under staffing/pay/)."""
from django.urls import path

from staffing.appraisal import county

urlpatterns = [
    path("policies/", county.PayPolicyView.as_view(), name="staffing-pay-policies"),
    path("exceptions/", county.PayExceptionListView.as_view(), name="staffing-pay-exceptions"),
    path("exceptions/<int:pk>/decide/", county.PayExceptionDecideView.as_view(), name="staffing-pay-exception-decide"),
    path("totals/", county.CountyTotalsView.as_view(), name="staffing-pay-totals"),
]
