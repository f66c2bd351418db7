from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from celery.schedules import crontab

        from common.announce import announcer_install
        from common.schedule import periodic
        from notifications import services

        announcer_install(services.notify)
        # The outbox sweeper re-enqueues deliveries whose task was lost (broker down at commit)
        # and releases SMS held for quiet hours; digests go out once a day. Both run in public.
        periodic("notifications-sweep-outbox", "notifications.sweep_outbox", 60.0, township=False)
        periodic("notifications-daily-digest", "notifications.send_digests", crontab(hour=18, minute=0),
                 township=False)
