from celery import shared_task

from common.tasks import TenantOnlyTask
from scoring.catalogue.models import ScoringYear
from scoring.catalogue.services import base_scores_grant, scoring_year_label_for, township_today
from scoring.county.selectors import county_policy_get


@shared_task(name="scoring.base_scores_grant", base=TenantOnlyTask, acks_late=True)
def base_scores_grant_job() -> int:
    """Daily, per township: grant the running scoring year's base score to members lacking it.

    Idempotent (see `base_scores_grant`). A township that has not adopted the year is skipped.
    """
    today = township_today()
    label = scoring_year_label_for(on=today, start_month=county_policy_get().year_start_month)
    if not ScoringYear.objects.filter(year=label).exists():
        return 0
    return base_scores_grant(scoring_year=label, today=today)

