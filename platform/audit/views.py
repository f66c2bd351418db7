"""The audit browser: the events of the current schema.

At county level (public schema) it shows county events (townships, users, roles) to county
admins; inside a township it shows that township's events to its office and to county admins
(`Access.can_view_audit`). Anyone else gets 403. Times are shown in the township's time zone
(the county row's time zone at county level).
"""
from __future__ import annotations

import zoneinfo

from django import forms
from django.http import Http404
from django.shortcuts import render

from audit.changes import changes_of
from audit.exports import audit_events_filename, audit_events_sheet
from audit.models import AuditEvent
from audit.selectors import AuditEventFilter, audit_event_list
from common import clock
from common.decorators import access_required
from common.errors import DomainError
from common.tables import export_bound, export_refused, page_of, wants_xlsx, xlsx_download

PAGE_SIZE = 50


audit_viewer_required = access_required(lambda access: access.can_view_audit)


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
    zone = zoneinfo.ZoneInfo(_time_zone(request))
    if wants_xlsx(request):
        try:
            export_bound(events.count())
        except DomainError as error:
            return export_refused(request, error)
        return xlsx_download(audit_events_filename(request.tenant, clock.today(zone=zone)),
                             audit_events_sheet(events, access=request.access, zone=zone))
    page_obj = page_of(request, events, per_page=PAGE_SIZE)
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
