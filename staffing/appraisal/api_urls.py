"""Township API routes of staffing.appraisal (included by config.api_tenant under staffing/)."""
from django.urls import path

from staffing.appraisal import api

urlpatterns = [
    path("appraisals/", api.AppraisalListView.as_view(), name="staffing-appraisals"),
    path("appraisals/<int:pk>/comment/", api.AppraisalCommentView.as_view(), name="staffing-appraisal-comment"),
    path("pay/lines/", api.PayLineListView.as_view(), name="staffing-pay-lines"),
    path("pay/sheets/", api.PaySheetListView.as_view(), name="staffing-pay-sheets"),
    path("pay/sheets/<int:pk>/export/", api.PaySheetExportView.as_view(), name="staffing-pay-sheet-export"),
    path("pay/sheets/<int:pk>/approve/", api.PaySheetApproveView.as_view(), name="staffing-pay-sheet-approve"),
    path("pay/exceptions/", api.PayExceptionRequestView.as_view(), name="staffing-pay-exception-request"),
    path("pay/lines/<int:pk>/correct/", api.PayLineCorrectView.as_view(), name="staffing-pay-line-correct"),
]
