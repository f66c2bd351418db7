"""County rewards pages, under /rewards/ (public schema)."""
from django.urls import path

from scoring.rewards.county import views

app_name = "rewards_county"
urlpatterns = [
    path("", views.home, name="home"),
    path("template/", views.template_set, name="template-set"),
    path("rules/", views.rule_create, name="rule-create"),
]
