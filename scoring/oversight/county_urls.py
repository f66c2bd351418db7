from django.urls import path

from scoring.oversight import county_views

app_name = "oversight_county"
urlpatterns = [
    path("", county_views.rollup, name="rollup"),
    path("policy/", county_views.policy, name="policy"),
    path("public-values/", county_views.public_values, name="public-values"),
]
