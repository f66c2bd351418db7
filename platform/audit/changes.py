"""What an audit event changed, as its viewer may see it (pages, exports)."""
from __future__ import annotations

import json
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.dateparse import parse_datetime

from audit.models import AuditEvent
from audit.selectors import audit_snapshots_for

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _text(value: Any, zone: zoneinfo.ZoneInfo | None = None) -> str:
    """A snapshot value as text; stored times (ISO, UTC) are shown in `zone`, like the event's own time."""
    if value is None:
        return "—"
    if isinstance(value, str):
        if zone is not None and _ISO_DATETIME.match(value):
            moment = parse_datetime(value)
            if moment is not None and moment.tzinfo is not None:
                return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        return value
    return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


@dataclass(frozen=True)
class Change:
    key: str
    before: str
    after: str


def changes_of(event: AuditEvent, *, access, zone: zoneinfo.ZoneInfo | None = None) -> list[Change]:
    """The keys whose value differs between `before` and `after` (a created or deleted object
    shows every key it had), as `access` may see them (ID numbers masked).

    When both sides are recorded, `after` may hold only what the action set (a review records
    its decision, not the whole entry): a key missing from `after` was left alone, not wiped,
    so it is not shown. Times are shown in `zone`."""
    before, after = audit_snapshots_for(event, access=access)
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = list(dict.fromkeys([*after] if before and after else [*before, *after]))
    return [Change(key, _text(before.get(key), zone), _text(after.get(key), zone))
            for key in keys if before.get(key) != after.get(key)]
