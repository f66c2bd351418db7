"""Signals of the audit app.

`event_recorded` is sent by `audit_record` inside the change's transaction, after the event row is
written, with `event` (the `AuditEvent`); `audit_record_many` sends it once, with the first of its
events. Apps above the shell listen to it without the shell
knowing them (e.g. `tenants.townships` notes that the township's data changed, for the county
rollups)."""
from django.dispatch import Signal

event_recorded = Signal()
