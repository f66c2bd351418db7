from django.urls import path

from staffing.appraisal import county

app_name = "staffing_pay_county"
urlpatterns = [
    path("", county.county_pay_view, name="home"),
    path("exceptions/<int:pk>/decide/", county.county_exception_decide_view, name="exception_decide"),
]
