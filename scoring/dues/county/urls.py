"""The county's dues rule page, under /dues/policy/ (public schema)."""
from django.urls import path

from scoring.dues.county import views

app_name = "dues_county"
urlpatterns = [path("", views.policy, name="policy")]
