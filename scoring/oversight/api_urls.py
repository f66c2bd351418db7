"""API routes of scoring.oversight (included by config.api_tenant)."""
from django.urls import path

from scoring.oversight import api

urlpatterns = [
    path("draws/", api.DrawListView.as_view(), name="oversight-draws"),
    path("draws/<int:pk>/", api.DrawDetailView.as_view(), name="oversight-draw"),
    path("draws/<int:pk>/inputs/", api.DrawInputsView.as_view(), name="oversight-draw-inputs"),
    path("checks/", api.CheckListView.as_view(), name="oversight-checks"),
    path("checks/unannounced/", api.UnannouncedView.as_view(), name="oversight-check-unannounced"),
    path("checks/<int:pk>/", api.CheckDetailView.as_view(), name="oversight-check"),
    path("checks/<int:pk>/findings/", api.FindingCreateView.as_view(), name="oversight-findings"),
    path("checks/<int:pk>/complete/", api.CheckCompleteView.as_view(), name="oversight-check-complete"),
    path("reports/<int:year>/<int:month>/export/", api.MonthReportExportView.as_view(),
         name="oversight-month-report-export"),
]
