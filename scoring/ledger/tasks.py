"""Beat jobs of the ledger; each is sent to every ready township by `common.dispatch_to_townships`."""
from celery import shared_task

from common.tasks import TenantOnlyTask
from scoring.ledger.anchors import ledger_anchor


@shared_task(name="ledger.anchor_heads", base=TenantOnlyTask, ignore_result=True)
def anchor_heads() -> int | None:
    """Copy the township's chain head to the county (skipped when it has not moved since the last
    anchor, so a redelivered or doubled run adds nothing)."""
    anchor = ledger_anchor(reason="hourly")
    return anchor.number if anchor else None
