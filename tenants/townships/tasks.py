from celery import shared_task

from tenants.townships import schema_script
from tenants.townships.services import township_provision


@shared_task(name="townships.provision", bind=True, acks_late=True)
def provision_township(self, township_id: int) -> str:
    """Public-schema task: create and migrate one township's schema (idempotent)."""
    return township_provision(township_id=township_id).status


@shared_task(name="townships.spares_fill", acks_late=True)
def spares_fill() -> list[int]:
    """Public-schema task: top up the spare township schemas (idempotent, one filler at a time)."""
    return list(schema_script.spares_fill())


@shared_task(name="townships.rollups_refresh", acks_late=True)
def rollups_refresh() -> int:
    """Public-schema task: recount the county figures of townships that changed (every 10 minutes)."""
    from tenants.townships import rollups

    return rollups.rollups_refresh()


@shared_task(name="townships.rollups_prune", acks_late=True)
def rollups_prune() -> list[int]:
    """Public-schema task: drop unused stored figures and the change rows no stored figure needs."""
    from tenants.townships import rollups

    return list(rollups.rollups_prune())
