from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecruitmentConfig(AppConfig):
    name = "staffing.recruitment"
    label = "recruitment"
    verbose_name = _("Clerk recruitment")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic

        # Township-local early morning: offers whose deadline has passed count as declined and the
        # next ranked candidate is offered (idempotent: only offers still open are touched).
        periodic("recruitment-offers-expire", "recruitment.offers_expire", crontab(hour=0, minute=30))
