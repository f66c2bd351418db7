from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("lockouts/", views.lockout_list, name="lockouts"),
    path("password/", views.password_change, name="password_change"),
    path("password/forgot/", views.password_reset_request, name="password_reset"),
    path("password/forgot/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password/reset/code/", views.password_reset_code, name="password_reset_code"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
]
