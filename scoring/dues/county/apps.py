from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesCountyConfig(AppConfig):
    """The county's dues rule (public schema): what a member's monthly dues are on a given base."""

    name = "scoring.dues.county"
    label = "dues_county"
    verbose_name = _("County dues rule")
