from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "scoring.oversight"
    label = "oversight"
    verbose_name = _("Spot checks")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic
        from common.workqueue import work_source_register
        from scoring.oversight import notices
        from scoring.oversight.work import oversight_work

        notices.register()
        work_source_register("scoring.oversight", oversight_work)
        # Daily and idempotent: commits next month's seed once, draws the month once on/after its draw day.
        periodic("oversight-draws", "oversight.draws_run", crontab(hour=2, minute=0))
