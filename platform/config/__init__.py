"""Project configuration: settings, URL confs, the tenant-aware Celery app."""
from .celery import app as celery_app

__all__ = ["celery_app"]
