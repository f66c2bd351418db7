"""API routes of scoring.duties (included by config.api_tenant under duties/)."""
from django.urls import path

from scoring.duties import api

urlpatterns = [
    path("assignments/", api.AssignmentListView.as_view(), name="duties-assignments"),
    path("assignments/<int:pk>/confirm/", api.AssignmentConfirmView.as_view(), name="duties-confirm"),
    path("assignments/<int:pk>/complete/", api.AssignmentCompleteView.as_view(), name="duties-complete"),
    path("assignments/<int:pk>/excuse/", api.AssignmentExcuseView.as_view(), name="duties-excuse"),
    path("list/", api.DutyListView.as_view(), name="duties-list"),
    path("runs/", api.DutyRunListView.as_view(), name="duties-runs"),
    path("illness/", api.IllnessListView.as_view(), name="duties-illness"),
    path("illness/<int:member>/clear/", api.IllnessClearView.as_view(), name="duties-illness-clear"),
]
