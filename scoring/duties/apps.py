from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutiesConfig(AppConfig):
    name = "scoring.duties"
    label = "duties"
    verbose_name = _("Light duties")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic
        from scoring.duties import notices

        notices.register()
        # Nightly after the monthly close job (00:30): proposes duties for every recently closed
        # month (and a closed year) not proposed yet; idempotent (one DutyRun per period).
        periodic("duties-propose-due", "duties.propose_due", crontab(hour=2, minute=30))
