from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringCountyConfig(AppConfig):
    name = "scoring.county"
    label = "scoring_county"
    verbose_name = _("County scoring policy")
