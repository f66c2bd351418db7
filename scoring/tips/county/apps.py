from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsCountyConfig(AppConfig):
    """Tips about a township's own office or leaders: kept in the public schema for the county."""

    name = "scoring.tips.county"
    label = "tips_county"
    verbose_name = _("Tips routed to the county")
