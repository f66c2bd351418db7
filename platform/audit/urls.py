from django.urls import path

from audit import views

app_name = "audit"

# Included in both URL confs: at /audit/ (county events, public schema) and at /t/<code>/audit/
# (that township's events, in its schema).
urlpatterns = [
    path("", views.event_list, name="list"),
    path("<int:pk>/", views.event_detail, name="detail"),
]
