from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingCountyConfig(AppConfig):
    name = "staffing.county"
    label = "staffing_county"
    verbose_name = _("County staffing policy")

    def ready(self):
        from staffing.county import notices

        notices.register()
