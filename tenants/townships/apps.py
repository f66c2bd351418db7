from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TownshipsConfig(AppConfig):
    name = "tenants.townships"
    label = "townships"
    verbose_name = _("Townships")
