from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "scoring.ledger"
    label = "ledger"
    verbose_name = _("Points ledger")

    def ready(self):
        from scoring.ledger import notices

        notices.register()
