from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecruitmentCountyConfig(AppConfig):
    """County-wide recruitment rounds: kept in the public schema, run by the county office, with posts
    in townships; a hire becomes a clerk of the chosen township."""

    name = "staffing.recruitment.county"
    label = "recruitment_county"
    verbose_name = _("County-wide clerk recruitment")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic

        # Once a day in the public schema: offers whose deadline has passed count as declined and
        # the next ranked candidate is offered (idempotent: only offers still open are touched).
        periodic("recruitment-county-offers-expire", "recruitment_county.offers_expire", crontab(hour=0, minute=35),
                 township=False)
