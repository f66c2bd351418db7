"""Dues pages of a township, under /t/<code>/dues/."""
from django.urls import path

from scoring.dues import views

app_name = "dues"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("branch/<int:pk>/", views.branch_detail, name="branch"),
    path("branch/<int:pk>/pay/", views.payment_new, name="pay"),
    path("branch/<int:pk>/base/", views.base_new, name="base"),
    path("branch/<int:pk>/exempt/", views.exemption_new, name="exempt"),
    path("branch/<int:pk>/ledger.xlsx", views.ledger_export, name="ledger"),
    path("payments/<int:pk>/correct/", views.payment_correct, name="correct"),
]
