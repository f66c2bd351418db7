from django.urls import path

from accounts import views

# Served at /t/<code>/people/: who holds which role in this township.
app_name = "people"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("assign/", views.role_assign_view, name="assign"),
    path("roles/<int:pk>/revoke/", views.role_revoke_view, name="revoke"),
    path("members/", views.member_accounts, name="member_accounts"),
    path("member-options/", views.member_options, name="member_options"),
    path("<int:user_id>/token/revoke/", views.token_revoke_view, name="token_revoke"),
]
