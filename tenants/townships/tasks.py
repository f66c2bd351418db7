from celery import shared_task

from tenants.townships.services import township_provision


@shared_task(name="townships.provision", bind=True, acks_late=True)
def provision_township(self, township_id: int) -> str:
    """Public-schema task: create and migrate one township's schema (idempotent)."""
    return township_provision(township_id=township_id).status
