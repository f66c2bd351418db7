from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "scoring.oversight"
    label = "oversight"
    verbose_name = _("Spot checks")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic
        from scoring.oversight import notices

        notices.register()
        # Daily and idempotent: commits next month's seed once, draws the month once on/after its draw day.
        periodic("oversight-draws", "oversight.draws_run", crontab(hour=2, minute=0))
