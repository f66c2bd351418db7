"""The county's reward rollup job (public schema; beat sends it once, not per township)."""
from celery import shared_task

from common import clock
from scoring.rewards.county import services


@shared_task(name="rewards_county.rollup", ignore_result=False)
def rollup(year: int | None = None, kind: str | None = None) -> list[dict]:
    """Run the due rollups (or the one of `year`/`kind`); idempotent per period. Returns per run its
    id, state, whether it read township by township, and the ids of the townships that failed."""
    periods = [(year, kind)] if year and kind else services.rollup_due(today=clock.today(zone=clock.county_zone()))
    out = []
    for period_year, period_kind in periods:
        run = services.rollup_run(actor=None, year=period_year, kind=period_kind)
        out.append({"id": run.pk, "year": run.year, "kind": run.kind, "state": run.state, "fallback": run.fallback,
                    "failed": sorted(run.townships.filter(ok=False).values_list("township_id", flat=True))})
    return out
