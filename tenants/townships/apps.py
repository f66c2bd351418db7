from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TownshipsConfig(AppConfig):
    name = "tenants.townships"
    label = "townships"
    verbose_name = _("Townships")

    def ready(self):
        from celery.schedules import crontab

        from audit.signals import event_recorded
        from common.schedule import periodic

        event_recorded.connect(_township_changed, dispatch_uid="townships.rollups")
        periodic("townships-rollups-refresh", "townships.rollups_refresh", crontab(minute="*/10"), township=False)
        periodic("townships-rollups-prune", "townships.rollups_prune", crontab(hour=4, minute=20), township=False)


def _township_changed(sender, event, **kwargs):
    """Every audit event in a township schema marks its transaction as a change of the township
    (see `tenants.townships.rollups`)."""
    from tenants.townships.rollups import township_changed

    township_changed()
