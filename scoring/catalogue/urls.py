from django.urls import path

from scoring.catalogue import views

app_name = "scoring_catalogue"
urlpatterns = [
    path("", views.catalogue_home, name="home"),
    path("adopt/", views.adopt, name="adopt"),
    path("<int:year>/", views.year_detail, name="year_detail"),
    path("<int:year>/rules/<str:code>/localise/", views.rule_localise, name="rule_localise"),
    path("<int:year>/base-scores/", views.base_scores_run, name="base_scores_run"),
]
