"""The audit trail as an Excel sheet (page and API alike): the filtered events, newest first, read
in chunks; times in the township's time zone (named in the header), ID numbers masked as on the
pages (`audit_snapshots_for`)."""
from __future__ import annotations

import zoneinfo

from django.utils.translation import gettext as _

from audit.changes import changes_of
from common.tables import EXPORT_CHUNK, Sheet


def audit_events_sheet(events, *, access, zone: zoneinfo.ZoneInfo) -> Sheet:
    def rows():
        for event in events.iterator(chunk_size=EXPORT_CHUNK):
            changes = "\n".join(f"{c.key}: {c.before} → {c.after}"
                                for c in changes_of(event, access=access, zone=zone))
            yield [event.occurred_at.astimezone(zone).replace(tzinfo=None), event.actor_label, event.action,
                   event.object_type, event.object_id, event.object_repr, changes]

    return Sheet(_("Audit trail"), [
        _("Time (%(zone)s)") % {"zone": zone.key}, _("Actor"), _("Action"), _("Object type"), _("Object id"),
        _("Object"), _("Changes")], rows())


def audit_events_filename(township, today) -> str:
    return f"audit-{getattr(township, 'code', '') or 'county'}-{today:%Y%m%d}.xlsx"
