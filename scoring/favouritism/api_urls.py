"""API routes of scoring.favouritism (included by config.api_tenant under signals/)."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from scoring.favouritism import api

router = SimpleRouter()
router.register("", api.SignalViewSet, basename="signals")

urlpatterns = [
    path("settings/", api.SignalSettingsView.as_view(), name="signals-settings"),
    *router.urls,
]
