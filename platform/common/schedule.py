"""The beat schedule, filled by the apps that own the periodic jobs.

Each app declares its periodic jobs in its `AppConfig.ready()` with `periodic(...)`; the Celery
app (`config.celery`) serves `BEAT` as its `beat_schedule`. Celery beat reads the schedule only
after Django has set up every app, so every entry is there by then. A job that works on township
data is sent through the one dispatcher (`common.dispatch_to_townships`), which reaches every
ready township with its schema in the task's headers.
"""
from __future__ import annotations

from typing import Any

BEAT: dict[str, dict[str, Any]] = {}


class DuplicateEntry(ValueError):
    pass


def per_township(task_name: str, schedule, *args) -> dict:
    """A beat entry that runs `task_name` (with `args`) in every ready township."""
    return {"task": "common.dispatch_to_townships", "schedule": schedule, "args": (task_name, *args)}


def periodic(key: str, task_name: str, schedule, *args, township: bool = True) -> None:
    """Register the beat entry `key`: `task_name` on `schedule`, in every ready township
    (`township=True`) or once in the public schema. Registering the same key twice with a
    different entry is a programming error."""
    entry = per_township(task_name, schedule, *args) if township else {
        "task": task_name, "schedule": schedule, "args": args}
    if key in BEAT and BEAT[key] != entry:
        raise DuplicateEntry(key)
    BEAT[key] = entry
