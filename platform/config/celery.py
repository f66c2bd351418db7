"""The tenant-aware Celery app.

Tasks sent through this app carry the current schema in the `_schema_name` header
(tenant-schemas-celery), so a task enqueued inside a township runs in that township's schema.
Periodic jobs are fanned out by `common.tasks.dispatch_to_townships`, which reaches only
townships whose status is `ready`.
"""
import os
import sys
from pathlib import Path

_PLATFORM = Path(__file__).resolve().parent.parent
for _path in (_PLATFORM, _PLATFORM.parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from celery.schedules import crontab  # noqa: E402
from tenant_schemas_celery.app import CeleryApp  # noqa: E402

app = CeleryApp("dangjian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# One dispatcher entry per periodic job; the dispatcher sends the job to every ready township.
def per_township(task_name: str, schedule) -> dict:
    """A beat entry that runs `task_name` in every ready township, through the one dispatcher."""
    return {"task": "common.dispatch_to_townships", "schedule": schedule, "args": (task_name,)}


app.conf.beat_schedule = {
    "organisation-refresh-elderly-flags": per_township("organisation.refresh_elderly_flags", crontab(hour=1, minute=30)),
    "scoring-grant-base-scores": per_township("scoring.base_scores_grant", crontab(hour=1, minute=10)),
    # Notifications: the outbox sweeper re-enqueues deliveries whose task was lost (broker down at
    # commit) and releases SMS held for quiet hours; digests go out once a day.
    "notifications-sweep-outbox": {
        "task": "notifications.sweep_outbox",
        "schedule": 60.0,
    },
    "notifications-daily-digest": {
        "task": "notifications.send_digests",
        "schedule": crontab(hour=18, minute=0),
    },
    "notifications-remind-month-closing": per_township("notifications.remind_month_closing", crontab(hour=9, minute=0)),
    # Scoring reminders (idempotent per reminder, period and person; see notifications.reminders).
    "notifications-remind-review-waiting": per_township("notifications.remind_review_waiting", crontab(hour=9, minute=5)),
    "notifications-remind-publication-opening": per_township("notifications.remind_publication_opening", crontab(hour=9, minute=10)),
    "notifications-remind-publication-closing": per_township("notifications.remind_publication_closing", crontab(hour=9, minute=15)),
    # Scoring periods: daily, so a township whose 1st (local) was missed catches up; both jobs are
    # idempotent no-ops until a month has ended / a quarter's last month is closed.
    "periods-close-months": per_township("periods.close_months", crontab(hour=0, minute=30)),
    "periods-open-publication": per_township("periods.open_publication", crontab(hour=1, minute=0)),
}
