"""The daily job of county-wide recruitment (public schema): offers past their deadline count as
declined and the next candidate of the post is offered (idempotent)."""
from celery import shared_task

from staffing.recruitment.county import services


@shared_task(name="recruitment_county.offers_expire", ignore_result=True)
def offers_expire() -> int:
    return services.county_offers_expire()
