from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "staffing.appraisal"
    label = "appraisal"
    verbose_name = _("Clerk appraisal and pay")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic
        from staffing.appraisal import notices

        notices.register()

        # Township-local early morning: close ended appraisal periods and open the current one;
        # prepare (recompute) the month's draft pay sheet on the 25th to the month's end.
        periodic("appraisal-periods", "appraisal.periods", crontab(hour=0, minute=20))
        periodic("appraisal-pay-prepare", "appraisal.pay_prepare", crontab(hour=1, minute=0, day_of_month="25-31"))
