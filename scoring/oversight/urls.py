from django.urls import path

from scoring.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.home, name="home"),
    path("policy/", views.policy_view, name="policy"),
    path("draws/<int:pk>/", views.draw_detail, name="draw-detail"),
    path("draws/<int:pk>/draw.json", views.draw_json_view, name="draw-json"),
    path("checks/unannounced/", views.check_unannounced, name="check-unannounced"),
    path("checks/<int:pk>/", views.check_detail, name="check-detail"),
    path("checks/<int:pk>/findings/", views.finding_create, name="finding-create"),
    path("checks/<int:pk>/complete/", views.check_complete_view, name="check-complete"),
    path("checks/<int:pk>/team/", views.team_add_view, name="team-add"),
    path("report/", views.report_latest, name="report-latest"),
    path("report/<int:year>/<int:month>/", views.report, name="report"),
]
