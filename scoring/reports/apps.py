from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "scoring.reports"
    label = "reports"
    verbose_name = _("Reports from members away")

    def ready(self):
        from scoring.reports import notices

        notices.register()
