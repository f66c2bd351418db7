from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsCountyConfig(AppConfig):
    """What the county owns of the rewards: the honour template, the Party-member Star rule versions,
    the shortlists townships submitted, and the reward policy with its rollups (public schema)."""

    name = "scoring.rewards.county"
    label = "rewards_county"
    verbose_name = _("Rewards (county)")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic

        # Daily in the public schema; runs each due period once (idempotent per period).
        periodic("rewards-county-rollup", "rewards_county.rollup", crontab(hour=3, minute=40), township=False)
