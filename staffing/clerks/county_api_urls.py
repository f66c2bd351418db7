"""County API routes of staffing.clerks (included by config.api_public under staffing/)."""
from django.urls import path

from staffing.clerks import api

urlpatterns = [path("rollup/", api.CountyRollupView.as_view(), name="staffing-rollup")]
