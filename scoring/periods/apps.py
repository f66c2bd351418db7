from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeriodsConfig(AppConfig):
    name = "scoring.periods"
    label = "periods"
    verbose_name = _("Scoring periods")
