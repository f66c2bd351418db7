"""County rewards pages, under /rewards/ (public schema)."""
from django.urls import path

from scoring.rewards.county import views

app_name = "rewards_county"
urlpatterns = [
    path("", views.home, name="home"),
    path("template/", views.template_set, name="template-set"),
    path("rules/", views.rule_create, name="rule-create"),
    path("rollup/", views.rollup, name="rollup"),
    path("rollup/policy/", views.policy_set, name="policy-set"),
    path("rollup/run/", views.rollup_start, name="rollup-run"),
    path("rollup/<int:pk>/approve/", views.rollup_approve, name="rollup-approve"),
    path("rollup/<int:pk>/export/", views.rollup_export, name="rollup-export"),
]
