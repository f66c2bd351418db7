"""County pages of staffing.county (included by config.urls_public under staffing/career/)."""
from django.urls import path

from staffing.county import views

app_name = "staffing_career"
urlpatterns = [
    path("", views.career_list, name="list"),
    path("mine/", views.career_mine, name="mine"),
    path("<int:pk>/", views.career_detail, name="detail"),
    path("appraisal-template/", views.appraisal_template_view, name="template"),
]
