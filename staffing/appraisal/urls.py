from django.urls import path

from staffing.appraisal import views

app_name = "appraisal"
urlpatterns = [
    path("appraisal/", views.appraisal_home, name="home"),
    path("appraisal/record/", views.appraisal_record_view, name="record"),
    path("appraisal/periods/open/", views.period_open_view, name="period_open"),
    path("appraisal/<int:pk>/comment/", views.appraisal_comment_view, name="comment"),
    path("pay/", views.pay_home, name="pay"),
    path("pay/prepare/", views.pay_prepare_view, name="pay_prepare"),
    path("pay/<int:pk>/", views.pay_sheet_view, name="pay_sheet"),
    path("pay/<int:pk>/approve/", views.pay_approve_view, name="pay_approve"),
    path("pay/<int:pk>/export.xlsx", views.pay_sheet_export, name="pay_export"),
    path("pay/exceptions/", views.pay_exceptions_view, name="pay_exceptions"),
    path("pay/lines/<int:pk>/correct/", views.pay_line_correct_view, name="pay_line_correct"),
]
