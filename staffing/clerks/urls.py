from django.urls import path

from staffing.clerks import views

app_name = "clerks"
urlpatterns = [
    path("", views.staffing_home, name="home"),
    path("clerks/new/", views.clerk_create_view, name="clerk_create"),
    path("clerks/<int:pk>/", views.clerk_page, name="clerk"),
    path("clerks/<int:pk>/career/", views.career_propose_view, name="career_propose"),
    path("placements/new/", views.placement_create_view, name="placement_create"),
    path("placements/<int:pk>/end/", views.placement_end_view, name="placement_end"),
    path("villages/required/", views.required_set_view, name="required_set"),
    path("plans/propose/", views.plan_propose_view, name="plan_propose"),
    path("plans/<int:pk>/", views.plan_view, name="plan"),
    path("plans/<int:pk>/confirm/", views.plan_confirm_view, name="plan_confirm"),
    path("moves/<int:pk>/", views.move_adjust_view, name="move_adjust"),
]
