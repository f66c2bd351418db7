from django.urls import path

from tenants.organisation import views

app_name = "organisation"
urlpatterns = [
    path("", views.township_home, name="home"),
]
