from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "scoring.catalogue"
    label = "catalogue"
    verbose_name = _("Points catalogue")

    def ready(self):
        from celery.schedules import crontab

        from common.schedule import periodic

        periodic("scoring-grant-base-scores", "scoring.base_scores_grant", crontab(hour=1, minute=10))

        from common.onboarding import OnboardingStep, onboarding_step_register
        from scoring.catalogue.models import ScoringYear

        onboarding_step_register(OnboardingStep(
            "catalogue", 30, _("Adopt the points catalogue"),
            _("Take the county's catalogue for the year and adjust it within the county's bounds."),
            "scoring/catalogue/adopt/", lambda: ScoringYear.objects.exists()))
