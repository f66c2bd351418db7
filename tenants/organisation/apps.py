from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "tenants.organisation"
    label = "organisation"
    verbose_name = _("Organisation")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic

        periodic("organisation-refresh-elderly-flags", "organisation.refresh_elderly_flags",
                 crontab(hour=1, minute=30))

        from common.onboarding import OnboardingStep, onboarding_step_register
        from tenants.organisation.models import Branch, Member

        onboarding_step_register(
            OnboardingStep("branches", 10, _("Create the branches"),
                           _("Villages and their Party branches, organ and enterprise branches."), "branches/new/",
                           lambda: Branch.objects.exists()),
            OnboardingStep("roster", 20, _("Import the roster"),
                           _("Upload the members from the Excel template; every row is checked first."), "roster/",
                           lambda: Member.objects.exists()),
        )
