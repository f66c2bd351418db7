"""Tip pages of a township, under /t/<code>/tips/."""
from django.urls import path

from scoring.tips import views

app_name = "tips"
urlpatterns = [
    path("new/", views.intake, name="intake"),
    path("receipt/", views.receipt, name="receipt"),
    path("", views.tip_list_view, name="tip-list"),
    path("record/", views.tip_record, name="tip-record"),
    path("<int:pk>/", views.tip_detail, name="tip-detail"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.tip_evidence_file, name="tip-evidence"),
    path("<int:pk>/<slug:action>/", views.tip_action, name="tip-action"),
    path("sanctions/", views.sanction_list_view, name="sanction-list"),
    path("sanctions/new/", views.sanction_create, name="sanction-create"),
]
