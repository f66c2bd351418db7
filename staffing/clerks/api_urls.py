"""Township API routes of staffing.clerks (included by config.api_tenant under staffing/)."""
from django.urls import path

from staffing.clerks import api

urlpatterns = [
    path("clerks/", api.ClerkListView.as_view(), name="staffing-clerks"),
    path("clerks/<int:pk>/status/", api.ClerkStatusView.as_view(), name="staffing-clerk-status"),
    path("placements/", api.PlacementListView.as_view(), name="staffing-placements"),
    path("placements/<int:pk>/end/", api.PlacementEndView.as_view(), name="staffing-placement-end"),
    path("coverage/", api.CoverageView.as_view(), name="staffing-coverage"),
    path("limits/", api.LimitsView.as_view(), name="staffing-limits"),
    path("plans/", api.PlanListView.as_view(), name="staffing-plans"),
    path("plans/<int:pk>/confirm/", api.PlanConfirmView.as_view(), name="staffing-plan-confirm"),
    path("moves/<int:pk>/", api.MoveAdjustView.as_view(), name="staffing-move-adjust"),
]
