"""The audit browser: the events of the current schema.

At county level (public schema) it shows county events (townships, users, roles) to county
admins; inside a township it shows that township's events to its office and to county admins
(`Access.can_view_audit`). Anyone else gets 403. Times are shown in the township's time zone
(the county row's time zone at county level).
"""
from __future__ import annotations

import json
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from audit.models import AuditEvent
from audit.selectors import AuditEventFilter, audit_event_list, audit_snapshots_for
from common.decorators import access_required

PAGE_SIZE = 50


audit_viewer_required = access_required(lambda access: access.can_view_audit)


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


def _filter_form(data) -> forms.Form:
    form = AuditEventFilter(data, queryset=AuditEvent.objects.none()).form
    for name in ("since", "until"):
        form.fields[name].widget.input_type = "date"
    form.fields["object_type"].widget.attrs["placeholder"] = "organisation.member"
    return form


def _time_zone(request) -> str:
    return request.tenant.time_zone


@audit_viewer_required
def event_list(request):
    events = audit_event_list(filters=request.GET)
    page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    zone = zoneinfo.ZoneInfo(_time_zone(request))
    rows = [(event, changes_of(event, access=request.access, zone=zone)) for event in page_obj]
    return render(request, "audit/event_list.html", {
        "form": _filter_form(request.GET), "page_obj": page_obj, "rows": rows, "tz": _time_zone(request),
    })


@audit_viewer_required
def event_detail(request, pk):
    try:
        event = audit_event_list().get(pk=pk)
    except AuditEvent.DoesNotExist:
        raise Http404 from None
    return render(request, "audit/event_detail.html", {
        "event": event, "changes": changes_of(event, access=request.access, zone=zoneinfo.ZoneInfo(_time_zone(request))),
        "tz": _time_zone(request),
    })
