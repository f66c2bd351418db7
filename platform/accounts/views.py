from django.conf import settings
from django.contrib.auth import views as auth_views

from accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # The person's chosen language follows them to every device.
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.get_user().language, samesite="Lax")
        return response


class LogoutView(auth_views.LogoutView):
    pass
