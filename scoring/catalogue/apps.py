from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "scoring.catalogue"
    label = "catalogue"
    verbose_name = _("Points catalogue")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic

        periodic("scoring-grant-base-scores", "scoring.base_scores_grant", crontab(hour=1, minute=10))
