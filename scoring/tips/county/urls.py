"""County tip pages, under /oversight/tips/ (public schema)."""
from django.urls import path

from scoring.tips.county import views

app_name = "tips_county"
urlpatterns = [
    path("", views.county_tip_list_view, name="tip-list"),
    path("<int:pk>/", views.county_tip_detail, name="tip-detail"),
    path("<int:pk>/<slug:action>/", views.county_tip_action, name="tip-action"),
]
