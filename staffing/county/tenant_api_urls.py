"""Township API routes of staffing.county (included by config.api_tenant under staffing/career/)."""
from django.urls import path

from staffing.county import api

urlpatterns = [path("", api.TownshipCareerView.as_view(), name="staffing-career")]
