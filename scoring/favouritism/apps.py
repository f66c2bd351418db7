from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FavouritismConfig(AppConfig):
    name = "scoring.favouritism"
    label = "favouritism"
    verbose_name = _("Favouritism signals")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic
        from scoring.favouritism import notices

        notices.register()
        # Daily after the monthly close job (00:30): computes every closed month not yet computed.
        periodic("favouritism-compute-due", "favouritism.compute_due", crontab(hour=2, minute=0))
