from django.urls import include, path

from tenants.organisation import views

app_name = "organisation"
urlpatterns = [
    path("", views.township_home, name="home"),
    # Roster import/export pages live in their own module (tenants/organisation/roster_urls.py).
    path("roster/", include("tenants.organisation.roster_urls")),
]
