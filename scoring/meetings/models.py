"""Branch meetings and activities (三会一课, theme Party days, ...), their attendance and files.

A `Meeting` is the record's identity (branch, status, current version number). Its content lives
in `MeetingVersion`s: version 1 is the draft, editable until it is filed; a filed version is
locked by database triggers (migration 0002: no UPDATE or DELETE of a filed version, no change to
its attendance or files, no un-filing of the meeting). A correction is a new, filed version with
its reason; every old version stays readable.

Filing proposes catalogue entries for the attendees (`PointsRule`, configured by the township
office) through the ledger's normal review path; `MeetingEntry` links each proposal to the record
and is unique per meeting, member and item, so nothing is proposed twice.
"""
from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.choices import MeetingKind


class Attendance(models.TextChoices):
    PRESENT = "present", _("Present")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")
    REMOTE = "remote", _("Present remotely")


class Meeting(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FILED = "filed", _("Filed")

    branch = models.ForeignKey("organisation.Branch", on_delete=models.PROTECT, related_name="meetings",
                               verbose_name=_("branch"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("current version"), default=1)
    created_by_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    filed_by_id = models.BigIntegerField(null=True, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"meeting {self.pk} ({self.status} v{self.version})"

    @property
    def source(self) -> str:
        """The `Entry.source` of the entries this record proposes."""
        return f"meeting:{self.pk}"


class MeetingVersion(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    topic = models.CharField(_("topic"), max_length=200)
    host = models.CharField(_("host"), max_length=100)
    minutes = models.TextField(_("minutes"), blank=True)
    reason = models.TextField(_("reason for the correction"), blank=True)
    is_filed = models.BooleanField(_("filed"), default=False)
    created_by_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="meeting_version_unique")]
        indexes = [models.Index(fields=["kind", "held_on"], name="meeting_version_kind_day")]
        verbose_name = _("meeting version")

    def __str__(self) -> str:
        return f"{self.meeting_id} v{self.number} {self.kind} {self.held_on}"


class AttendanceRow(models.Model):
    version = models.ForeignKey(MeetingVersion, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("member"))
    status = models.CharField(_("attendance"), max_length=8, choices=Attendance.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["version", "member_id"]
        constraints = [models.UniqueConstraint(fields=["version", "member"], name="meeting_attendance_unique")]
        verbose_name = _("attendance")

    def __str__(self) -> str:
        return f"{self.version_id} {self.member_id} {self.status}"


class MeetingFile(models.Model):
    """A photo or the sign-in sheet (checked like evidence). A correction's version refers to the
    same stored files as the version before it, plus any new ones."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        SIGN_IN = "sign_in", _("Sign-in sheet")

    version = models.ForeignKey(MeetingVersion, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PHOTO)
    file = models.FileField(_("file"), upload_to="meetings/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_id = models.BigIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "id"]
        verbose_name = _("meeting file")

    def __str__(self) -> str:
        return self.original_name


class PointsRule(models.Model):
    """Which catalogue item a filed meeting proposes, for which kind and attendance, with how many
    points (set by the township office from its catalogue)."""

    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    attendance = models.CharField(_("attendance"), max_length=8, choices=Attendance.choices)
    rule_code = models.CharField(_("catalogue item code"), max_length=20)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, default=Decimal("1"))
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "attendance", "rule_code"]
        constraints = [models.UniqueConstraint(fields=["kind", "attendance", "rule_code"],
                                               name="meeting_points_rule_unique")]
        verbose_name = _("meeting points rule")

    def __str__(self) -> str:
        return f"{self.kind}/{self.attendance} → {self.rule_code} {self.points}"


class MeetingEntry(models.Model):
    """The link between a meeting and an entry it proposed for a member under an item. Unique per
    (meeting, member, item): a record never proposes the same points twice. When a correction
    removes the basis, `reversal` is the correcting entry proposed against it (or `reversal_due`
    while the entry is still in review); `skipped` says why nothing could be proposed."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="entry_links")
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    rule_code = models.CharField(max_length=20)
    version = models.PositiveIntegerField(_("proposed by version"))
    entry = models.OneToOneField("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="meeting_link")
    skipped = models.CharField(_("not proposed because"), max_length=300, blank=True)
    reversal = models.OneToOneField("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="meeting_reversal_link")
    reversal_due = models.BooleanField(default=False)
    reversed_in_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "member_id", "rule_code"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member", "rule_code"],
                                               name="meeting_entry_once")]
        indexes = [models.Index(fields=["reversal_due"], name="meeting_entry_reversal_due",
                                condition=models.Q(reversal_due=True))]
        verbose_name = _("meeting entry link")

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.member_id} {self.rule_code}"


class RemoteConfirmation(models.Model):
    """A member away confirms remote attendance (watched the recording, joined the call); the clerk
    or secretary accepts it (attendance "present remotely", and the entry proposal) or rejects it."""

    class How(models.TextChoices):
        RECORDING = "recording", _("Watched the recording")
        CALL = "call", _("Joined by call or video")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="remote_confirmations")
    member = models.ForeignKey("organisation.Member", on_delete=models.PROTECT, related_name="+")
    how = models.CharField(_("how"), max_length=10, choices=How.choices)
    note = models.TextField(_("note"), blank=True)
    photo = models.FileField(_("photo"), upload_to="meetings/remote/%Y/%m/", blank=True)
    photo_name = models.CharField(max_length=200, blank=True)
    photo_type = models.CharField(max_length=100, blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    submitted_by_id = models.BigIntegerField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="meeting_remote_once",
                                               condition=~models.Q(status="rejected"))]
        verbose_name = _("remote attendance confirmation")

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.member_id} {self.status}"
