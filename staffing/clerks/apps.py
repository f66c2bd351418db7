from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClerksConfig(AppConfig):
    name = "staffing.clerks"
    label = "clerks"
    verbose_name = _("Clerks and placements")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic
        from common.workqueue import work_source_register
        from staffing.clerks import notices
        from staffing.clerks.work import staffing_work

        notices.register()
        work_source_register("staffing.clerks", staffing_work)
        # Daily, township-local morning: placements whose start/end date has come change the clerk
        # role's village scope (idempotent: recomputed from the placements each time).
        periodic("clerks-apply-placements", "clerks.apply_placements", crontab(hour=0, minute=5))
