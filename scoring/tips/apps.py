from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "scoring.tips"
    label = "tips"
    verbose_name = _("Tips and sanctions")

    def ready(self):
        from common.workqueue import work_source_register
        from scoring.tips import notices
        from scoring.tips.work import tips_work

        notices.register()
        work_source_register("scoring.tips", tips_work)
