"""Meeting pages of one township (/t/<code>/meetings/), phone-first: clerks and secretaries record a
meeting (draft with attendance, photos and sign-in sheet), file it (which proposes the attendees'
points for review) and correct it as a new version; members away confirm remote attendance; the
township office sees overdue branches, sets which items meetings propose, and every reader with the
branch in scope gets the archive per branch and year (list, Excel, printable record book)."""
from __future__ import annotations

import types

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common import clock
from common.decorators import township_access_required
from common.errors import DomainError, apply_to_form
from common.excel import ExportWorkbook
from scoring.choices import MeetingKind
from scoring.ledger.evidence import evidence_response
from scoring.meetings import forms, selectors, services
from scoring.meetings.models import Meeting, MeetingFile, PointsRule, RemoteConfirmation
from tenants.organisation.models import Member
from tenants.organisation.selectors import branch_scope

SAVED = _("Saved.")
FILED = _("Filed: %(created)s entries proposed for review, %(skipped)s not proposed (see below).")
CORRECTED = _("Correction filed: %(reversals)s reversals proposed, %(waiting)s waiting for entries still in review, "
              "%(created)s new entries proposed.")
CONFIRMED = _("Thank you: your confirmation was sent to the branch.")
DELETED = _("Draft discarded.")

reads = township_access_required(lambda a: a.sees_branches or bool(a.member_id))
recorders = township_access_required(selectors.records_meetings)
branch_readers = township_access_required(lambda a: a.sees_branches)
office = township_access_required(lambda a: a.runs_scoring or a.is_county_admin)
members = township_access_required(lambda a: bool(a.member_id))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _meeting(request, pk) -> Meeting:
    meeting = selectors.meeting_scope(request.access).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


@reads
def home(request):
    access = request.access
    today = clock.today(request.tenant)
    if not access.sees_branches:
        rows = selectors.current_versions().filter(meeting__in=selectors.member_meetings(access),
                                                   held_on__lte=today).order_by("-held_on")[:40]
        return render(request, "meetings/member_home.html", {
            "versions": rows, "mine": selectors.remote_mine(access=access)[:40], "form": forms.RemoteForm()})
    branch_id = _int(request.GET.get("branch"))
    branches = list(branch_scope(access).order_by("name"))
    board_branches = [b for b in branches if b.pk == branch_id] if branch_id else branches[:30]
    return render(request, "meetings/home.html", {
        "versions": selectors.meeting_list(access=access, branch_id=branch_id)[:100],
        "branches": branches, "branch_id": branch_id,
        "board": selectors.frequency_board(branches=board_branches, today=today),
        "pending": selectors.remote_pending(access=access)[:50],
        "can_record": selectors.records_meetings(access), "year": today.year,
    })


@recorders
def meeting_new(request):
    access = request.access
    branches = branch_scope(access).order_by("name")
    form = forms.MeetingForm(request.POST or None, request.FILES or None, branches=branches,
                             initial={"held_on": clock.today(request.tenant), "branch": request.GET.get("branch")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                actor=request.user, access=access, branch_id=data["branch"], kind=data["kind"],
                held_on=data["held_on"], place=data["place"], topic=data["topic"], host=data["host"],
                minutes=data["minutes"], photos=data["photos"], sign_in=data["sign_in"])
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, SAVED)
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/new.html", {"form": form})


def _branch_members(meeting: Meeting):
    return Member.objects.filter(branch_id=meeting.branch_id, status=Member.Status.ACTIVE).order_by("name", "pk")


def _draft_form(request, meeting, version, form_class=forms.DraftForm):
    attendance = {row.member_id: (row.status, row.reason) for row in version.attendance.all()}
    initial = {name: getattr(version, name) for name in services.VERSION_FIELDS}
    return form_class(request.POST or None, request.FILES or None, members=_branch_members(meeting),
                      attendance=attendance, initial=initial)


@branch_readers
def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    number = _int(request.GET.get("version")) or meeting.version
    version = selectors.version_get(meeting, number)
    if version is None:
        raise Http404
    can_record = selectors.records_meetings(request.access)
    form = None
    if meeting.status == Meeting.Status.DRAFT and can_record:
        form = _draft_form(request, meeting, version)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.meeting_update(
                    actor=request.user, access=request.access, meeting_id=meeting.pk, attendance=form.attendance(),
                    photos=data["photos"], sign_in=data["sign_in"],
                    **{name: data[name] for name in services.VERSION_FIELDS})
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(request, SAVED)
                return redirect("meetings:detail", pk=meeting.pk)
    elif request.method == "POST":
        raise Http404
    return render(request, "meetings/detail.html", {
        "meeting": meeting, "version": version, "form": form, "can_record": can_record,
        "versions": meeting.versions.order_by("number"), "links": selectors.meeting_links(meeting),
        "file_form": forms.FileForm(), "remote": meeting.remote_confirmations.select_related("member"),
    })


@require_POST
@recorders
def meeting_file_view(request, pk):
    meeting = _meeting(request, pk)
    try:
        result = services.meeting_file(actor=request.user, access=request.access, meeting_id=meeting.pk,
                                       late_reason=request.POST.get("late_reason", ""))
        messages.success(request, FILED % {"created": result.created, "skipped": result.skipped})
    except DomainError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for ms in exc.field_errors.values() for m in ms
                                                                if m != str(exc.message)]]))
    return redirect("meetings:detail", pk=meeting.pk)


@require_POST
@recorders
def meeting_delete_view(request, pk):
    meeting = _meeting(request, pk)
    try:
        services.meeting_delete(actor=request.user, access=request.access, meeting_id=meeting.pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("meetings:detail", pk=meeting.pk)
    messages.success(request, DELETED)
    return redirect("meetings:home")


@recorders
def meeting_correct_view(request, pk):
    meeting = _meeting(request, pk)
    if meeting.status != Meeting.Status.FILED:
        return redirect("meetings:detail", pk=meeting.pk)
    version = selectors.version_get(meeting)
    form = _draft_form(request, meeting, version, forms.CorrectForm)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.meeting_correct(
                actor=request.user, access=request.access, meeting_id=meeting.pk, reason=data["reason"],
                attendance=form.attendance(), photos=data["photos"], sign_in=data["sign_in"],
                late_reason=data["late_reason"], **{name: data[name] for name in services.VERSION_FIELDS})
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, CORRECTED % {"reversals": result.reversals,
                                                   "waiting": result.reversals_waiting, "created": result.created})
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/correct.html", {"meeting": meeting, "version": version, "form": form})


@branch_readers
def meeting_file_get(request, pk, file_pk):
    """A photo or sign-in sheet of a meeting the asker may see (never a public media URL)."""
    meeting = _meeting(request, pk)
    record = MeetingFile.objects.filter(pk=file_pk, version__meeting=meeting).first()
    if record is None:
        raise Http404
    return evidence_response(record)


# --- remote attendance -------------------------------------------------------------------------
@require_POST
@members
def remote_confirm_view(request, pk):
    form = forms.RemoteForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect("meetings:home")
    data = form.cleaned_data
    try:
        services.remote_confirm(actor=request.user, access=request.access, meeting_id=pk, how=data["how"],
                                note=data["note"], photo=data["photo"])
        messages.success(request, CONFIRMED)
    except DomainError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    return redirect("meetings:home")


@require_POST
@recorders
def remote_decide_view(request, pk):
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        services.remote_decide(actor=request.user, access=request.access, confirmation_id=pk,
                               decision=form.cleaned_data["decision"], note=form.cleaned_data["note"])
        messages.success(request, SAVED)
    except DomainError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    return redirect("meetings:home")


@reads
def remote_photo(request, pk):
    access = request.access
    qs = RemoteConfirmation.objects.filter(pk=pk)
    if access.sees_branches:
        qs = qs.filter(meeting__in=selectors.meeting_scope(access))
    else:
        qs = qs.filter(member_id=access.member_id)
    confirmation = qs.first()
    if confirmation is None or not confirmation.photo:
        raise Http404
    return evidence_response(types.SimpleNamespace(file=confirmation.photo, content_type=confirmation.photo_type,
                                                   original_name=confirmation.photo_name))


# --- the office --------------------------------------------------------------------------------
@branch_readers
def overdue_view(request):
    """Branches in scope that missed a required meeting (the office: the whole township)."""
    today = clock.today(request.tenant)
    rows = selectors.overdue(today=today, branches=branch_scope(request.access).select_related("parent")
                             .order_by("name"))
    return render(request, "meetings/overdue.html", {"rows": rows, "today": today})


@office
def settings_view(request):
    form = forms.PointsRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.points_rule_set(actor=request.user, access=request.access, **form.cleaned_data)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, SAVED)
            return redirect("meetings:settings")
    from scoring.county.models import meeting_frequencies

    frequencies = [(MeetingKind(k).label, months) for k, months in meeting_frequencies().items()]
    return render(request, "meetings/settings.html", {"form": form, "rules": PointsRule.objects.all(),
                                                      "frequencies": frequencies})


@require_POST
@office
def settings_delete_view(request, pk):
    try:
        services.points_rule_delete(actor=request.user, access=request.access, rule_id=pk)
        messages.success(request, SAVED)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("meetings:settings")


# --- archive -----------------------------------------------------------------------------------
def _archive_args(request):
    branches = branch_scope(request.access).order_by("name")
    form = forms.ArchiveForm(request.GET or None, branches=branches,
                             initial={"year": clock.today(request.tenant).year})
    if not form.is_valid():
        return form, None, None, []
    branch = branches.filter(pk=form.cleaned_data["branch"]).first()
    if branch is None:
        raise Http404
    year = form.cleaned_data["year"]
    return form, branch, year, selectors.archive(access=request.access, branch_id=branch.pk, year=year)


def _summary(version) -> dict:
    counts = {"present": 0, "excused": 0, "absent": 0, "remote": 0}
    for row in version.attendance.all():
        counts[row.status] += 1
    return counts


@branch_readers
def archive_view(request):
    form, branch, year, versions = _archive_args(request)
    rows = [(v, _summary(v)) for v in versions]
    if branch is not None and request.GET.get("format") == "xlsx":
        return _archive_xlsx(branch, year, rows)
    return render(request, "meetings/archive.html", {"form": form, "branch": branch, "year": year, "rows": rows})


def _archive_xlsx(branch, year, rows) -> HttpResponse:
    book = ExportWorkbook().sheet(_g("Meetings"), [
        _g("Date"), _g("Kind"), _g("Topic"), _g("Place"), _g("Host"), _g("Present"), _g("Present remotely"),
        _g("Excused"), _g("Absent"), _g("Version"), _g("Reason for the correction"), _g("Minutes")])
    for version, counts in rows:
        book.append([version.held_on, version.get_kind_display(), version.topic, version.place, version.host,
                     counts["present"], counts["remote"], counts["excused"], counts["absent"], version.number,
                     version.reason, version.minutes])
    book.sheet(_g("Attendance"), [_g("Date"), _g("Topic"), _g("Member"), _g("Attendance"), _g("Reason")])
    for version, _counts in rows:
        for row in version.attendance.all():
            book.append([version.held_on, version.topic, row.member.name, row.get_status_display(), row.reason])
    response = HttpResponse(book.to_bytes(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="meetings-{branch.pk}-{year}.xlsx"'
    return response


@branch_readers
def archive_print(request):
    """The printable record book (A4): one page per meeting with its attendance."""
    _form, branch, year, versions = _archive_args(request)
    if branch is None:
        raise Http404
    return render(request, "meetings/record_book.html", {
        "branch": branch, "year": year, "rows": [(v, _summary(v)) for v in versions],
        "title": _g("Record book of meetings %(year)s") % {"year": year}})
