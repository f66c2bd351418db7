from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    """A township's honours, star tiers, Party-member Star eligibility and award shortlists."""

    name = "scoring.rewards"
    label = "rewards"
    verbose_name = _("Honours and rewards")
