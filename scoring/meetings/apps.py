from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "scoring.meetings"
    label = "meetings"
    verbose_name = _("Meetings and activities")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic
        from scoring.meetings import notices

        notices.register()
        # Daily and idempotent: proposes the reversals a correction left waiting for an entry still in review.
        periodic("meetings-reversals", "meetings.reversals_due", crontab(hour=3, minute=10))
