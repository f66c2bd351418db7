from django.urls import path

from staffing.clerks import views

app_name = "staffing_county"
urlpatterns = [path("", views.county_view, name="home")]
