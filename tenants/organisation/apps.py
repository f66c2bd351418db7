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
