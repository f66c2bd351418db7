"""Writes of meeting records: draft, file, correct; remote attendance; the points it proposes.

Filing locks the record (a database trigger refuses to change a filed version, its attendance or
its files) and, in the same transaction, proposes the township's configured catalogue items
(`PointsRule`) for the attendees through `scoring.ledger.services.entry_create` with the record's
files as evidence and `source="meeting:<id>"`: the entries then travel the normal review path and
nothing is posted here. `MeetingEntry` (unique per meeting, member and item) guarantees nothing is
proposed twice. A correction is a new filed version with a reason; members whose attendance no
longer earns an item get a reversing correction (`entry_correction_propose`) of their posted
entry, or one as soon as it posts (`reversals_due`, daily), and newly qualifying members get new
proposals. A member that cannot get an item (the item does not apply to them, a cap is reached)
is recorded as skipped with the reason instead of blocking the whole record.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.files import File
from django.db import connection, transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from scoring.choices import MeetingKind
from scoring.ledger.evidence import evidence_check
from scoring.meetings.models import (
    Attendance,
    AttendanceRow,
    Meeting,
    MeetingEntry,
    MeetingFile,
    MeetingVersion,
    PointsRule,
    RemoteConfirmation,
)
from scoring.meetings.selectors import meeting_scope, member_meetings, records_meetings
from tenants.organisation.models import Member
from tenants.organisation.selectors import branch_scope

CANNOT_RECORD = _("You may not record meetings.")
BRANCH_OUT_OF_SCOPE = _("Choose a branch in your scope.")
MEETING_NOT_FOUND = _("Meeting not found.")
NOT_A_DRAFT = _("This meeting has been filed: it cannot be changed; file a correction instead.")
NOT_FILED = _("Only a filed meeting can be corrected.")
IN_FUTURE = _("The meeting's date cannot be in the future.")
FIELD_REQUIRED = _("This field is required.")
UNKNOWN_KIND = _("Unknown kind of meeting.")
UNKNOWN_ATTENDANCE = _("Unknown attendance.")
EXCUSE_REASON_REQUIRED = _("Give the reason for an excused absence: %(name)s")
MEMBER_NOT_IN_BRANCH = _("Attendance can only be recorded for active members of the meeting's branch.")
ATTENDANCE_MISSING = _("Record the attendance of every member of the branch before filing (missing: %(names)s).")
CORRECTION_REASON_REQUIRED = _("Give the reason for the correction.")
CORRECTION_NO_CHANGE = _("The correction changes nothing.")
EVIDENCE_FOR_POINTS = _("The points items need evidence: attach the photos or the sign-in sheet.")
NOT_A_MEMBER = _("Only a member of the meeting's branch can confirm remote attendance.")
REMOTE_ALREADY = _("You have already confirmed remote attendance of this meeting.")
REMOTE_NOT_PENDING = _("This confirmation has already been decided.")
REMOTE_PRESENT = _("You are already recorded as present at this meeting.")
REMOTE_FUTURE = _("This meeting has not taken place yet.")
REJECT_NOTE_REQUIRED = _("Give the reason for rejecting.")
UNKNOWN_DECISION = _("Unknown decision.")
UNKNOWN_HOW = _("Say how you attended.")
RULE_UNKNOWN = _("There is no item with this code in this year's catalogue.")
CANNOT_CONFIGURE = _("Only the township office sets which items meetings propose.")

VERSION_FIELDS = ("kind", "held_on", "place", "topic", "host", "minutes")


# --- helpers -------------------------------------------------------------------------------------
def _field_error(field: str, message) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _require_recorder(access: Access) -> None:
    if not records_meetings(access):
        raise PermissionDenied(CANNOT_RECORD)


def _locked_meeting(access: Access, meeting_id: int) -> Meeting:
    """The meeting, locked, when it is in the asker's scope; 404 otherwise (other townships'
    meetings are in another schema and never found)."""
    _require_recorder(access)
    meeting = (Meeting.objects.select_for_update(of=("self",)).select_related("branch")
               .filter(pk=meeting_id, branch__in=branch_scope(access)).first())
    if meeting is None:
        raise NotFound(MEETING_NOT_FOUND)
    return meeting


def _clean_fields(data: dict, today: dt.date) -> dict:
    values = {}
    for name in VERSION_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip()
        if name != "minutes" and value in (None, ""):
            raise _field_error(name, FIELD_REQUIRED)
        values[name] = value if value is not None else ""
    if values["kind"] not in MeetingKind.values:
        raise _field_error("kind", UNKNOWN_KIND)
    if not isinstance(values["held_on"], dt.date):
        raise _field_error("held_on", FIELD_REQUIRED)
    if values["held_on"] > today:
        raise _field_error("held_on", IN_FUTURE)
    return values


def _attendance_rows(version: MeetingVersion, attendance: dict, branch_id: int) -> list[AttendanceRow]:
    """`attendance`: member id → status or (status, reason)."""
    members = {m.pk: m for m in Member.objects.filter(branch_id=branch_id, status=Member.Status.ACTIVE)}
    rows = []
    for member_id, value in attendance.items():
        status, reason = (value, "") if isinstance(value, str) else (value[0], value[1] if len(value) > 1 else "")
        reason = (reason or "").strip()
        try:
            member = members[int(member_id)]
        except (KeyError, TypeError, ValueError):
            raise _field_error("attendance", MEMBER_NOT_IN_BRANCH) from None
        if status not in Attendance.values:
            raise _field_error("attendance", UNKNOWN_ATTENDANCE)
        if status == Attendance.EXCUSED and not reason:
            raise _field_error("attendance", EXCUSE_REASON_REQUIRED % {"name": member.name})
        row = AttendanceRow(version=version, member=member, status=status, reason=reason[:200])
        full_clean_or_raise(row, exclude=["version"])
        rows.append(row)
    return rows


def _save_files(version: MeetingVersion, files, kind: str, actor) -> list[MeetingFile]:
    saved = []
    try:
        for item in evidence_check(files):
            record = MeetingFile(version=version, kind=kind, original_name=item.original_name,
                                 content_type=item.content_type, size=item.size, sha256=item.sha256,
                                 uploaded_by_id=actor.pk)
            record.file.save(item.stored_name, item.upload, save=False)
            saved.append(record)
            record.save()
    except BaseException:
        for record in saved:
            record.file.delete(save=False)
        raise
    return saved


def _points_rules(kind: str) -> dict[str, list[PointsRule]]:
    rules: dict[str, list[PointsRule]] = {}
    for rule in PointsRule.objects.filter(kind=kind):
        rules.setdefault(rule.attendance, []).append(rule)
    return rules


def _wanted(version: MeetingVersion) -> dict[tuple[int, str], Decimal]:
    """(member id, item code) → points that this version's attendance earns."""
    rules = _points_rules(version.kind)
    return {(row.member_id, rule.rule_code): rule.points
            for row in version.attendance.all() for rule in rules.get(row.status, [])}


def _evidence_files(version: MeetingVersion) -> list[File]:
    files = []
    for record in version.files.all():
        record.file.open("rb")
        files.append(File(record.file.file, name=record.original_name))
    return files


# --- points --------------------------------------------------------------------------------------
@dataclass
class Proposed:
    created: int = 0
    skipped: int = 0
    reversals: int = 0
    reversals_waiting: int = 0


def _propose(*, meeting: Meeting, version: MeetingVersion, actor, access: Access, wanted: dict,
             late_reason: str, result: Proposed) -> None:
    from scoring.ledger.services import entry_create

    if not wanted:
        return
    existing = {(link.member_id, link.rule_code): link for link in meeting.entry_links.all()}
    files = None
    kind_label = MeetingKind(version.kind).label
    for (member_id, rule_code), points in sorted(wanted.items()):
        link = existing.get((member_id, rule_code))
        if link is not None and link.entry_id is not None:
            continue  # never twice for the same record, member and item
        if files is None:
            files = _evidence_files(version)
        for item in files:
            item.seek(0)
        try:
            with transaction.atomic():
                entry = entry_create(
                    actor=actor, access=access, member_id=member_id, rule_code=rule_code,
                    occurred_on=version.held_on, points=points, note=f"{kind_label}：{version.topic}",
                    evidence_files=files, late_reason=late_reason, source=meeting.source)
        except DomainError as exc:
            if "late_reason" in exc.field_errors:
                raise
            if "evidence" in exc.field_errors:
                raise _field_error("files", EVIDENCE_FOR_POINTS) from exc
            reason = str(exc.message)[:300]
            if link is None:
                MeetingEntry.objects.create(meeting=meeting, member_id=member_id, rule_code=rule_code,
                                            version=version.number, skipped=reason)
            else:
                link.skipped, link.version = reason, version.number
                link.save(update_fields=["skipped", "version"])
            result.skipped += 1
            continue
        if link is None:
            MeetingEntry.objects.create(meeting=meeting, member_id=member_id, rule_code=rule_code,
                                        version=version.number, entry=entry)
        else:
            link.entry, link.skipped, link.version = entry, "", version.number
            link.save(update_fields=["entry", "skipped", "version"])
        result.created += 1


def _reverse(link: MeetingEntry, *, actor, reason: str) -> bool:
    """Propose the reversal of a link's posted entry; False while the entry is not posted yet."""
    from scoring.ledger.models import Entry
    from scoring.ledger.services import entry_correction_propose

    entry = link.entry
    if entry.status == Entry.Status.REJECTED:
        link.reversal_due = False
        link.save(update_fields=["reversal_due"])
        return True
    if entry.status != Entry.Status.POSTED:
        link.reversal_due = True
        link.save(update_fields=["reversal_due"])
        return False
    reversal = entry_correction_propose(actor=actor, access=None, entry_id=entry.pk, points=-entry.final_points,
                                        reason=reason, source=link.meeting.source, authorised=True)
    link.reversal, link.reversal_due = reversal, False
    link.save(update_fields=["reversal", "reversal_due"])
    return True


# --- writes --------------------------------------------------------------------------------------
@transaction.atomic
def meeting_create(*, actor, access: Access, branch_id: int, kind: str, held_on: dt.date, place: str, topic: str,
                   host: str, minutes: str = "", attendance: dict | None = None, photos=(), sign_in=()) -> Meeting:
    """A draft record for a branch in the asker's scope; attendance defaults to nobody recorded."""
    _require_recorder(access)
    branch = branch_scope(access).filter(pk=branch_id).first()
    if branch is None:
        raise _field_error("branch", BRANCH_OUT_OF_SCOPE)
    values = _clean_fields({"kind": kind, "held_on": held_on, "place": place, "topic": topic, "host": host,
                            "minutes": minutes}, clock.today(connection.tenant))
    meeting = Meeting(branch=branch, created_by_id=actor.pk)
    full_clean_or_raise(meeting)
    meeting.save()
    version = MeetingVersion(meeting=meeting, number=1, created_by_id=actor.pk, **values)
    full_clean_or_raise(version)
    version.save()
    AttendanceRow.objects.bulk_create(_attendance_rows(version, attendance or {}, branch.pk))
    _save_files(version, photos, MeetingFile.Kind.PHOTO, actor)
    _save_files(version, sign_in, MeetingFile.Kind.SIGN_IN, actor)
    audit_record(actor=actor, action="meeting.create", instance=meeting, after={**snapshot(version)})
    return meeting


@transaction.atomic
def meeting_update(*, actor, access: Access, meeting_id: int, attendance: dict | None = None, photos=(),
                   sign_in=(), **fields) -> Meeting:
    """Change a draft: its fields, the attendance of the members given, new files."""
    meeting = _locked_meeting(access, meeting_id)
    if meeting.status != Meeting.Status.DRAFT:
        raise Conflict(NOT_A_DRAFT)
    version = meeting.versions.get(number=1)
    before = snapshot(version)
    current = {name: getattr(version, name) for name in VERSION_FIELDS}
    values = _clean_fields({**current, **{k: v for k, v in fields.items() if k in VERSION_FIELDS}},
                           clock.today(connection.tenant))
    for name, value in values.items():
        setattr(version, name, value)
    full_clean_or_raise(version)
    version.save()
    if attendance:
        rows = _attendance_rows(version, attendance, meeting.branch_id)
        version.attendance.filter(member_id__in=[r.member_id for r in rows]).delete()
        AttendanceRow.objects.bulk_create(rows)
    _save_files(version, photos, MeetingFile.Kind.PHOTO, actor)
    _save_files(version, sign_in, MeetingFile.Kind.SIGN_IN, actor)
    audit_record(actor=actor, action="meeting.update", instance=meeting, before=before, after=snapshot(version))
    return meeting


@transaction.atomic
def meeting_file(*, actor, access: Access, meeting_id: int, late_reason: str = "") -> Proposed:
    """File a draft: lock it and propose the attendees' entries (one step, all or nothing)."""
    meeting = _locked_meeting(access, meeting_id)
    if meeting.status != Meeting.Status.DRAFT:
        raise Conflict(NOT_A_DRAFT)
    version = meeting.versions.get(number=1)
    recorded = set(version.attendance.values_list("member_id", flat=True))
    missing = list(Member.objects.filter(branch_id=meeting.branch_id, status=Member.Status.ACTIVE)
                   .exclude(pk__in=recorded).order_by("name").values_list("name", flat=True))
    if missing:
        raise _field_error("attendance", ATTENDANCE_MISSING % {"names": "、".join(missing[:10])})
    version.is_filed = True
    version.save(update_fields=["is_filed"])
    meeting.status = Meeting.Status.FILED
    meeting.filed_at = clock.now()
    meeting.filed_by_id = actor.pk
    meeting.save(update_fields=["status", "filed_at", "filed_by_id"])
    result = Proposed()
    _propose(meeting=meeting, version=version, actor=actor, access=access, wanted=_wanted(version),
             late_reason=(late_reason or "").strip(), result=result)
    audit_record(actor=actor, action="meeting.file", instance=meeting,
                 after={"version": 1, "entries": result.created, "skipped": result.skipped})
    return result


def _correct(*, meeting: Meeting, actor, access: Access, reason: str, fields: dict, attendance: dict, photos=(),
             sign_in=(), late_reason: str = "") -> Proposed:
    """A new filed version of a locked, filed meeting, and the entries that follow from it."""
    reason = (reason or "").strip()
    if not reason:
        raise _field_error("reason", CORRECTION_REASON_REQUIRED)
    old = meeting.versions.prefetch_related("attendance", "files").get(number=meeting.version)
    current = {name: getattr(old, name) for name in VERSION_FIELDS}
    values = _clean_fields({**current, **{k: v for k, v in fields.items() if k in VERSION_FIELDS and v is not None}},
                           clock.today(connection.tenant))
    old_attendance = {row.member_id: (row.status, row.reason) for row in old.attendance.all()}
    new_attendance = {**old_attendance, **{int(k): v if not isinstance(v, str) else (v, "")
                                          for k, v in (attendance or {}).items()}}
    if values == current and new_attendance == old_attendance and not photos and not sign_in:
        raise _field_error("reason", CORRECTION_NO_CHANGE)
    version = MeetingVersion(meeting=meeting, number=old.number + 1, reason=reason, created_by_id=actor.pk, **values)
    full_clean_or_raise(version)
    version.save()
    AttendanceRow.objects.bulk_create(_attendance_rows(version, new_attendance, meeting.branch_id))
    MeetingFile.objects.bulk_create([
        MeetingFile(version=version, kind=f.kind, file=f.file.name, original_name=f.original_name,
                    content_type=f.content_type, size=f.size, sha256=f.sha256, uploaded_by_id=f.uploaded_by_id)
        for f in old.files.all()])
    _save_files(version, photos, MeetingFile.Kind.PHOTO, actor)
    _save_files(version, sign_in, MeetingFile.Kind.SIGN_IN, actor)
    version.is_filed = True
    version.save(update_fields=["is_filed"])
    meeting.version = version.number
    meeting.save(update_fields=["version"])

    result = Proposed()
    wanted = _wanted(version)
    note = _g("Meeting record corrected (version %(number)s): %(reason)s") % {"number": version.number,
                                                                               "reason": reason}
    for link in meeting.entry_links.select_related("entry").filter(entry__isnull=False, reversal__isnull=True,
                                                                   reversal_due=False):
        if (link.member_id, link.rule_code) in wanted:
            continue
        link.reversed_in_version = version.number
        link.save(update_fields=["reversed_in_version"])
        if _reverse(link, actor=actor, reason=note):
            result.reversals += 1
        else:
            result.reversals_waiting += 1
    _propose(meeting=meeting, version=version, actor=actor, access=access, wanted=wanted,
             late_reason=(late_reason or "").strip(), result=result)
    audit_record(actor=actor, action="meeting.correct", instance=meeting,
                 after={"version": version.number, "reason": reason, "entries": result.created,
                        "reversals": result.reversals, "reversals_waiting": result.reversals_waiting})
    return result


@transaction.atomic
def meeting_correct(*, actor, access: Access, meeting_id: int, reason: str, attendance: dict | None = None,
                    photos=(), sign_in=(), late_reason: str = "", **fields) -> Proposed:
    """File a correction of a filed meeting as its next version (the old one stays readable)."""
    meeting = _locked_meeting(access, meeting_id)
    if meeting.status != Meeting.Status.FILED:
        raise Conflict(NOT_FILED)
    return _correct(meeting=meeting, actor=actor, access=access, reason=reason, fields=fields,
                    attendance=attendance or {}, photos=photos, sign_in=sign_in, late_reason=late_reason)


@transaction.atomic
def meeting_delete(*, actor, access: Access, meeting_id: int) -> None:
    """Discard a draft (a filed record is never deleted)."""
    meeting = _locked_meeting(access, meeting_id)
    if meeting.status != Meeting.Status.DRAFT:
        raise Conflict(NOT_A_DRAFT)
    version = meeting.versions.get(number=1)
    files = list(version.files.all())
    audit_record(actor=actor, action="meeting.delete", instance=meeting, before=snapshot(version))
    RemoteConfirmation.objects.filter(meeting=meeting).delete()
    version.attendance.all().delete()
    version.files.all().delete()
    version.delete()
    meeting.delete()
    transaction.on_commit(lambda: [f.file.delete(save=False) for f in files
                                   if not MeetingFile.objects.filter(file=f.file.name).exists()])


def reversals_due() -> int:
    """Propose the reversals a correction left waiting, for entries that have posted since
    (idempotent: a link's reversal is proposed once). The reversal is proposed in the name of
    whoever filed the correcting version."""
    from django.contrib.auth import get_user_model

    done = 0
    for link_id in MeetingEntry.objects.filter(reversal_due=True).values_list("pk", flat=True):
        with transaction.atomic():
            link = (MeetingEntry.objects.select_for_update(of=("self",)).select_related("entry", "meeting")
                    .filter(pk=link_id, reversal_due=True).first())
            if link is None:
                continue
            note = _g("Meeting record corrected (version %(number)s)") % {"number": link.reversed_in_version}
            corrector_id = (MeetingVersion.objects.filter(meeting_id=link.meeting_id, number=link.reversed_in_version)
                            .values_list("created_by_id", flat=True).first())
            actor = get_user_model().objects.filter(pk=corrector_id).first()
            if actor is None:
                continue
            if _reverse(link, actor=actor, reason=note):
                done += 1
    return done


# --- remote attendance ---------------------------------------------------------------------------
@transaction.atomic
def remote_confirm(*, actor, access: Access, meeting_id: int, how: str, note: str = "", photo=None
                   ) -> RemoteConfirmation:
    """A member of the meeting's branch (signed in as a member) confirms remote attendance."""
    meeting = member_meetings(access).select_for_update(of=("self",)).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(MEETING_NOT_FOUND)
    member = Member.objects.filter(pk=access.member_id, branch_id=meeting.branch_id,
                                   status=Member.Status.ACTIVE).first()
    if member is None:
        raise PermissionDenied(NOT_A_MEMBER)
    if how not in RemoteConfirmation.How.values:
        raise _field_error("how", UNKNOWN_HOW)
    version = meeting.versions.get(number=meeting.version)
    if version.held_on > clock.today(connection.tenant):
        raise Conflict(REMOTE_FUTURE)
    if version.attendance.filter(member=member, status__in=[Attendance.PRESENT, Attendance.REMOTE]).exists():
        raise Conflict(REMOTE_PRESENT)
    if RemoteConfirmation.objects.filter(meeting=meeting, member=member).exclude(
            status=RemoteConfirmation.Status.REJECTED).exists():
        raise Conflict(REMOTE_ALREADY)
    confirmation = RemoteConfirmation(meeting=meeting, member=member, how=how, note=(note or "").strip(),
                                      submitted_by_id=actor.pk)
    full_clean_or_raise(confirmation, exclude=["photo"])
    checked = evidence_check([photo] if photo is not None else [])
    confirmation.save()
    if checked:
        item = checked[0]
        confirmation.photo.save(item.stored_name, item.upload, save=False)
        confirmation.photo_name, confirmation.photo_type, confirmation.photo_sha256 = (
            item.original_name, item.content_type, item.sha256)
        confirmation.save(update_fields=["photo", "photo_name", "photo_type", "photo_sha256"])
    audit_record(actor=actor, action="meeting.remote_confirm", instance=confirmation, after=_snap(confirmation))
    _notify_remote(meeting, version, member, actor)
    return confirmation


def _snap(confirmation: RemoteConfirmation) -> dict:
    return snapshot(confirmation, fields=["id", "meeting", "member", "how", "note", "photo_name", "photo_sha256",
                                          "status", "decided_by_id", "decision_note"])


def _notify_remote(meeting: Meeting, version: MeetingVersion, member: Member, actor) -> None:
    from notifications.services import notify
    from scoring.meetings.notices import branch_recorders

    users = branch_recorders(meeting.branch, township=connection.tenant)
    if users:
        notify(event="meeting.remote_submitted", recipients=users, township=connection.tenant, actor=actor,
               context={"meeting_id": meeting.pk, "member_name": member.name, "topic": version.topic,
                        "held_on": version.held_on.isoformat()})


@transaction.atomic
def remote_decide(*, actor, access: Access, confirmation_id: int, decision: str, note: str = "",
                  late_reason: str = "") -> RemoteConfirmation:
    """Accept (attendance "present remotely"; a filed record gets a correcting version that proposes
    the member's entry) or reject a member's confirmation."""
    _require_recorder(access)
    confirmation = (RemoteConfirmation.objects.select_for_update(of=("self",)).select_related("member")
                    .filter(pk=confirmation_id, meeting__in=meeting_scope(access)).first())
    if confirmation is None:
        raise NotFound(MEETING_NOT_FOUND)
    if confirmation.status != RemoteConfirmation.Status.PENDING:
        raise Conflict(REMOTE_NOT_PENDING)
    note = (note or "").strip()
    if decision not in ("accept", "reject"):
        raise _field_error("decision", UNKNOWN_DECISION)
    if decision == "reject" and not note:
        raise _field_error("note", REJECT_NOTE_REQUIRED)
    meeting = _locked_meeting(access, confirmation.meeting_id)
    before = _snap(confirmation)
    confirmation.status = (RemoteConfirmation.Status.ACCEPTED if decision == "accept"
                           else RemoteConfirmation.Status.REJECTED)
    confirmation.decided_by_id, confirmation.decided_at, confirmation.decision_note = actor.pk, clock.now(), note
    full_clean_or_raise(confirmation)
    confirmation.save(update_fields=["status", "decided_by_id", "decided_at", "decision_note"])
    if decision == "accept":
        reason = _g("Remote attendance of %(name)s accepted") % {"name": confirmation.member.name}
        if note:
            reason = f"{reason}: {note}"
        attendance = {confirmation.member_id: (Attendance.REMOTE, "")}
        # The member's photo (a screenshot of the call, say) joins the record, so it is evidence too.
        photos = []
        if confirmation.photo:
            confirmation.photo.open("rb")
            photos = [File(confirmation.photo.file, name=confirmation.photo_name)]
        if meeting.status == Meeting.Status.DRAFT:
            meeting_update(actor=actor, access=access, meeting_id=meeting.pk, attendance=attendance, photos=photos)
        else:
            _correct(meeting=meeting, actor=actor, access=access, reason=reason, fields={}, attendance=attendance,
                     photos=photos, late_reason=late_reason)
    audit_record(actor=actor, action=f"meeting.remote_{decision}", instance=confirmation, before=before,
                 after=_snap(confirmation))
    return confirmation


# --- configuration -------------------------------------------------------------------------------
@transaction.atomic
def points_rule_set(*, actor, access: Access, kind: str, attendance: str, rule_code: str, points) -> PointsRule:
    """The township office maps a kind and attendance to an item of its catalogue (upsert)."""
    from scoring.catalogue.models import Rule
    from scoring.ledger.services import _check_points, _decimal

    if not access.runs_scoring:
        raise PermissionDenied(CANNOT_CONFIGURE)
    if kind not in MeetingKind.values:
        raise _field_error("kind", UNKNOWN_KIND)
    if attendance not in Attendance.values:
        raise _field_error("attendance", UNKNOWN_ATTENDANCE)
    rule_code = (rule_code or "").strip().upper()
    rule = Rule.objects.filter(code=rule_code).order_by("-scoring_year__year", "-version").first()
    if rule is None:
        raise _field_error("rule_code", RULE_UNKNOWN)
    value = _decimal(points, "points")
    _check_points(rule, value)
    rule_row = PointsRule.objects.filter(kind=kind, attendance=attendance, rule_code=rule_code).first()
    before = snapshot(rule_row) if rule_row else None
    if rule_row is None:
        rule_row = PointsRule(kind=kind, attendance=attendance, rule_code=rule_code, created_by_id=actor.pk)
    rule_row.points = value
    full_clean_or_raise(rule_row)
    rule_row.save()
    audit_record(actor=actor, action="meeting.points_rule_set", instance=rule_row, before=before,
                 after=snapshot(rule_row))
    return rule_row


@transaction.atomic
def points_rule_delete(*, actor, access: Access, rule_id: int) -> None:
    if not access.runs_scoring:
        raise PermissionDenied(CANNOT_CONFIGURE)
    rule_row = PointsRule.objects.filter(pk=rule_id).first()
    if rule_row is None:
        raise NotFound()
    audit_record(actor=actor, action="meeting.points_rule_delete", instance=rule_row, before=snapshot(rule_row))
    rule_row.delete()
