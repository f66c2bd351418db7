"""County API routes of staffing.county (included by config.api_public under staffing/career/)."""
from django.urls import path

from staffing.county import api

urlpatterns = [
    path("", api.CountyCareerListView.as_view(), name="staffing-career-county"),
    path("mine/", api.CareerMineView.as_view(), name="staffing-career-mine"),
    path("<int:pk>/decide/", api.CountyCareerDecideView.as_view(), name="staffing-career-decide"),
]
