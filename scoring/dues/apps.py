from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "scoring.dues"
    label = "dues"
    verbose_name = _("Party dues")

    def ready(self):
        from scoring.dues import notices

        notices.register()
