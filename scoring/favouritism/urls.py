"""Signal pages of a township, under /t/<code>/oversight/signals/."""
from django.urls import path

from scoring.favouritism import views

app_name = "favouritism"
urlpatterns = [
    path("", views.signal_list_view, name="signal_list"),
    path("settings/", views.settings_view, name="settings"),
    path("<int:pk>/", views.signal_detail, name="signal_detail"),
    path("<int:pk>/dismiss/", views.signal_dismiss_view, name="signal_dismiss"),
    path("<int:pk>/check/", views.signal_check_view, name="signal_check"),
]
