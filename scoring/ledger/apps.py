from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "scoring.ledger"
    label = "ledger"
    verbose_name = _("Points ledger")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic
        from common.workqueue import work_source_register
        from scoring.ledger import notices
        from scoring.ledger.work import ledger_work

        notices.register()
        work_source_register("scoring.ledger", ledger_work)
        # The county's hourly copy of every township's chain head (scoring.ledger.anchors).
        periodic("ledger-anchor-heads", "ledger.anchor_heads", crontab(minute=7))
