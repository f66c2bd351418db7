"""The county's rollup of signals, under /oversight/signals/ on the public site."""
from django.urls import path

from scoring.favouritism import views

app_name = "favouritism_county"
urlpatterns = [path("", views.county_rollup_view, name="rollup")]
