from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "scoring.ledger"
    label = "ledger"
    verbose_name = _("Points ledger")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic
        from scoring.ledger import notices

        notices.register()
        # The county's hourly copy of every township's chain head (scoring.ledger.anchors).
        periodic("ledger-anchor-heads", "ledger.anchor_heads", crontab(minute=7))
