from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeriodsConfig(AppConfig):
    name = "scoring.periods"
    label = "periods"
    verbose_name = _("Scoring periods")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic
        from common.workqueue import work_source_register
        from scoring.periods import notices
        from scoring.periods.work import periods_work

        notices.register()
        work_source_register("scoring.periods", periods_work)
        # Daily, so a township whose 1st (local) was missed catches up; both jobs are idempotent
        # no-ops until a month has ended / a quarter's last month is closed.
        periodic("periods-close-months", "periods.close_months", crontab(hour=0, minute=30))
        periodic("periods-open-publication", "periods.open_publication", crontab(hour=1, minute=0))
