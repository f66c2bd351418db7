from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "scoring.tips"
    label = "tips"
    verbose_name = _("Tips and sanctions")

    def ready(self):
        from scoring.tips import notices

        notices.register()
