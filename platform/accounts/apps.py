from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from accounts.backends import account_failure_recorded, account_failures_forget
        from accounts.recovery import EVENT, reset_secret
        from common.announce import secret_context_register

        secret_context_register(EVENT, reset_secret)

        def failed(sender, credentials, request=None, **kwargs):
            account_failure_recorded(str((credentials or {}).get("username") or ""))

        def succeeded(sender, request=None, user=None, **kwargs):
            if user is not None:
                account_failures_forget(user.get_username())

        user_login_failed.connect(failed, dispatch_uid="accounts-failure-count", weak=False)
        user_logged_in.connect(succeeded, dispatch_uid="accounts-failure-forget", weak=False)

        from common.onboarding import OnboardingStep, onboarding_step_register

        onboarding_step_register(OnboardingStep(
            "roles", 40, _("Assign roles"),
            _("Give clerks, branch secretaries, work teams and liaison leaders their roles."), "people/",
            _township_has_working_roles))


def _township_has_working_roles() -> bool:
    """Someone besides the township office holds a role in the current township."""
    from django.db import connection

    from accounts.models import Role, RoleAssignment

    return RoleAssignment.objects.filter(township_id=connection.tenant.pk).exclude(
        role__in=[Role.TOWNSHIP_OFFICE, Role.COUNTY_ADMIN, Role.MEMBER]).exists()
