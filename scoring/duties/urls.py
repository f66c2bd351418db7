"""Light-duty pages of a township, under /t/<code>/duties/."""
from django.urls import path

from scoring.duties import views

app_name = "duties"
urlpatterns = [
    path("", views.duty_home, name="home"),
    path("<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("list/", views.duty_list_view, name="duty_list"),
    path("list/<int:pk>/", views.duty_edit, name="duty_edit"),
    path("propose/", views.propose_now, name="propose"),
    path("illness/", views.illness_view, name="illness"),
]
