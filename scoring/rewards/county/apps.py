from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsCountyConfig(AppConfig):
    """What the county owns of the rewards: the honour template, the Party-member Star rule versions
    and the shortlists townships submitted (public schema)."""

    name = "scoring.rewards.county"
    label = "rewards_county"
    verbose_name = _("Rewards (county)")
