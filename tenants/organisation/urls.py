from django.urls import include, path

from tenants.organisation import views

app_name = "organisation"
urlpatterns = [
    path("", views.township_home, name="home"),
    # Roster import/export pages live in their own module (tenants/organisation/roster_urls.py).
    path("roster/", include("tenants.organisation.roster_urls")),
    path("villages/", views.village_list_view, name="village_list"),
    path("villages/new/", views.village_create, name="village_create"),
    path("villages/<int:pk>/", views.village_detail, name="village_detail"),
    path("villages/<int:pk>/edit/", views.village_update, name="village_update"),
    path("branches/", views.branch_list_view, name="branch_list"),
    path("branches/new/", views.branch_create, name="branch_create"),
    path("branches/<int:pk>/", views.branch_detail, name="branch_detail"),
    path("branches/<int:pk>/edit/", views.branch_update, name="branch_update"),
    path("members/", views.member_list_view, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_update, name="member_update"),
    path("members/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
]
