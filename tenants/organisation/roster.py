"""Excel rosters: the import template, the upload, the import job, and list exports.

Import contract (one `RosterImport` per upload):
- `roster_import_create` (the upload, township office only) checks the file is an .xlsx within
  `settings.ROSTER_IMPORT_MAX_BYTES` with the template's header row and at most
  `settings.ROSTER_IMPORT_MAX_ROWS` member rows, stores it and enqueues the job after commit.
- `roster_import_process` (the job, in the township's schema) validates every row first, with
  progress saved every `PROGRESS_EVERY` rows; if any row is invalid the import fails with
  `errors = [{"row": excel_row, "field": column, "message": text}]` and no member is written;
  otherwise every member is created through `services.member_create` in one transaction.
  Finished imports are never processed again, so a redelivered task does nothing.

Headers and cell values are matched in any of `settings.LANGUAGES` (Chinese by default), and a
header may carry a hint in brackets ("性别(男/女)"). Error messages are stored in the site's
default language, since they are read later by whoever opens the import.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.access import Access
from audit.services import audit_record
from common import clock
from common.errors import DomainError, full_clean_or_raise
from common.excel import ExportWorkbook
from notifications.selectors import recipients_in_township
from notifications.services import notify
from tenants.organisation.models import Branch, Member, RosterImport, Village
from tenants.organisation.services import ID_NUMBER_TAKEN, _require_manager, member_create
from tenants.organisation.validators import normalise_id_number

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 100
ERRORS_SHOWN = 200

NOT_XLSX = _("Upload an Excel workbook (.xlsx).")
TOO_LARGE = _("The file is larger than %(limit)s.")
TOO_MANY_ROWS = _("The file has more than %(limit)s member rows; split it into smaller files.")
NO_ROWS = _("The file has no member rows under the header row.")
MISSING_COLUMNS = _("The header row lacks these columns: %(columns)s. Please use the template.")
REQUIRED = _("This column must be filled in.")
BAD_DATE = _("Enter a date as YYYY-MM-DD or YYYY/MM/DD.")
BAD_CHOICE = _("Enter one of: %(choices)s.")
UNKNOWN_BRANCH = _("There is no branch named “%(name)s” in this township.")
DUPLICATE_IN_FILE = _("The same resident ID number is already on row %(row)s of this file.")

YES = pgettext_lazy("roster value", "Yes")
NO = pgettext_lazy("roster value", "No")

RUNNING = (RosterImport.Status.PENDING, RosterImport.Status.VALIDATING, RosterImport.Status.IMPORTING)
FINISHED = (RosterImport.Status.SUCCEEDED, RosterImport.Status.FAILED)


@dataclass(frozen=True)
class Column:
    """One column of the roster: the Member field it fills, its header, how its cells read."""

    field: str
    label: Any  # lazy translation
    kind: str  # text | id | date | choice | bool | branch
    required: bool = False
    choices: Any = None  # a TextChoices class for kind == "choice"

    def hint_values(self) -> list[str]:
        if self.kind == "choice":
            return [str(label) for label in self.choices.labels]
        if self.kind == "bool":
            return [str(YES), str(NO)]
        return []

    def header(self) -> str:
        """The header as written in the template and exports: label plus allowed values."""
        values = self.hint_values()
        return f"{self.label}({'/'.join(values)})" if values else str(self.label)


COLUMNS: tuple[Column, ...] = (
    Column("name", pgettext_lazy("roster column", "Name"), "text", required=True),
    Column("sex", pgettext_lazy("roster column", "Sex"), "choice", required=True, choices=Member.Sex),
    Column("birth_date", pgettext_lazy("roster column", "Birth date"), "date", required=True),
    Column("id_number", pgettext_lazy("roster column", "ID number"), "id", required=True),
    Column("phone", pgettext_lazy("roster column", "Phone"), "text"),
    Column("joined_on", pgettext_lazy("roster column", "Date joined the Party"), "date", required=True),
    Column("kind", pgettext_lazy("roster column", "Membership"), "choice", required=True, choices=Member.Kind),
    Column("probation_ends_on", pgettext_lazy("roster column", "Probation ends"), "date"),
    Column("category", pgettext_lazy("roster column", "Category"), "choice", required=True,
           choices=Member.Category),
    Column("branch", pgettext_lazy("roster column", "Branch"), "branch", required=True),
    Column("is_migrant", pgettext_lazy("roster column", "Migrant worker"), "bool"),
    Column("migrant_location", pgettext_lazy("roster column", "Where they work"), "text"),
    Column("is_special_occupation", pgettext_lazy("roster column", "Special occupation?"), "bool"),
    Column("special_occupation", pgettext_lazy("roster column", "Special occupation"), "text"),
    Column("is_elderly", pgettext_lazy("roster column", "Elderly member"), "bool"),
)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
STATUS_LABEL = pgettext_lazy("roster column", "Status")


# --- reading cells ----------------------------------------------------------------------------
def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _all_translations(text) -> set[str]:
    """`text` (lazy) rendered in every configured language."""
    rendered = set()
    for code in _languages():
        with translation.override(code):
            rendered.add(str(text))
    return rendered


def _normalise_header(value) -> str:
    text = re.sub(r"\s+", "", str(value or ""))
    return re.split(r"[(（]", text, maxsplit=1)[0].lower()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _CellError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _cell_text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    raise _CellError(BAD_DATE)


class _Lookups:
    """Value maps for choice and yes/no cells, in every configured language."""

    def __init__(self):
        self.choices: dict[str, dict[str, str]] = {}
        for column in COLUMNS:
            if column.kind == "choice":
                mapping = {}
                for value, label in column.choices.choices:
                    mapping[value.lower()] = value
                    for text in _all_translations(label):
                        mapping[text.lower()] = value
                self.choices[column.field] = mapping
        self.booleans = {text.lower(): True for text in _all_translations(YES)}
        self.booleans.update({text.lower(): False for text in _all_translations(NO)})

    def choice(self, column: Column, value) -> str:
        text = _cell_text(value).lower()
        if text in self.choices[column.field]:
            return self.choices[column.field][text]
        raise _CellError(BAD_CHOICE % {"choices": "/".join(column.hint_values())})

    def boolean(self, column: Column, value) -> bool:
        if isinstance(value, bool):
            return value
        text = _cell_text(value).lower()
        if not text:
            return False
        if text in self.booleans:
            return self.booleans[text]
        raise _CellError(BAD_CHOICE % {"choices": "/".join(column.hint_values())})


@dataclass
class _Sheet:
    """The first worksheet of an uploaded workbook: which column index holds which field."""

    workbook: Any
    positions: dict[str, int]

    def rows(self) -> Iterator[tuple[int, tuple]]:
        """(Excel row number, cell values) for every non-empty row under the header."""
        worksheet = self.workbook.worksheets[0]
        for number, values in enumerate(worksheet.iter_rows(min_row=2, values_only=True), start=2):
            if any(_cell_text(v) for v in values):
                yield number, values

    def close(self) -> None:
        self.workbook.close()


def _open_sheet(fileobj) -> _Sheet:
    """Open an .xlsx and map its header row; DomainError if it is not one or lacks columns."""
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
        worksheet = workbook.worksheets[0]
        header = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    except Exception as exc:  # noqa: BLE001 - any parser failure means "not a workbook we can read"
        raise DomainError(NOT_XLSX, field_errors={"file": [NOT_XLSX]}) from exc
    wanted = {}
    for column in COLUMNS:
        for text in _all_translations(column.label):
            wanted[_normalise_header(text)] = column.field
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        field_name = wanted.get(_normalise_header(value))
        if field_name and field_name not in positions:
            positions[field_name] = index
    missing = [str(c.label) for c in COLUMNS if c.required and c.field not in positions]
    if missing:
        workbook.close()
        message = MISSING_COLUMNS % {"columns": "、".join(missing)}
        raise DomainError(message, field_errors={"file": [message]})
    return _Sheet(workbook=workbook, positions=positions)


@dataclass
class _Row:
    number: int
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)

    def add_error(self, field_name: str, message) -> None:
        if any(e["_field"] == field_name for e in self.errors) and field_name:
            return  # one problem per cell is enough
        label = str(COLUMN_BY_FIELD[field_name].label) if field_name in COLUMN_BY_FIELD else ""
        self.errors.append({"row": self.number, "field": label, "message": str(message), "_field": field_name})


def _read_row(number: int, values: tuple, sheet: _Sheet, lookups: _Lookups, branches: dict[str, Branch]) -> _Row:
    """Turn one row into Member field values and check it with the Member model's rules."""
    row = _Row(number=number)
    for column in COLUMNS:
        index = sheet.positions.get(column.field)
        raw = values[index] if index is not None and index < len(values) else None
        text = _cell_text(raw)
        try:
            if column.kind == "bool":
                row.data[column.field] = lookups.boolean(column, raw)
                continue
            if not text:
                if column.required:
                    raise _CellError(REQUIRED)
                row.data[column.field] = None if column.kind == "date" else ""
                continue
            if column.kind == "date":
                row.data[column.field] = _parse_date(raw)
            elif column.kind == "choice":
                row.data[column.field] = lookups.choice(column, raw)
            elif column.kind == "branch":
                if text not in branches:
                    raise _CellError(UNKNOWN_BRANCH % {"name": text})
                row.data[column.field] = branches[text]
            elif column.kind == "id":
                row.data[column.field] = normalise_id_number(text)
            else:
                row.data[column.field] = text
        except _CellError as exc:
            row.add_error(column.field, exc.message)
    failed = {e["_field"] for e in row.errors}
    member = Member(**{k: v for k, v in row.data.items() if k not in failed})
    try:
        # The branch was resolved above from this township's branches; no need to query it again.
        member.full_clean(exclude=[*failed, "branch"], validate_unique=False)
    except ValidationError as exc:
        for field_name, errors in exc.message_dict.items():
            for message in errors:
                row.add_error("" if field_name == "__all__" else field_name, message)
    if not row.errors:
        # Model.clean() normalises (ID number upper-cased, probation date dropped for full members).
        row.data["id_number"] = member.id_number
        row.data["probation_ends_on"] = member.probation_ends_on
    return row


def _public_errors(errors: Iterable[dict]) -> list[dict]:
    order = {c.field: i for i, c in enumerate(COLUMNS)}
    cleaned = sorted(errors, key=lambda e: (e["row"], order.get(e.get("_field", ""), len(order))))
    return [{"row": e["row"], "field": e["field"], "message": e["message"]} for e in cleaned]


# --- the upload -------------------------------------------------------------------------------
def _count_rows(sheet: _Sheet) -> int:
    limit = settings.ROSTER_IMPORT_MAX_ROWS
    count = 0
    for _row in sheet.rows():
        count += 1
        if count > limit:
            message = TOO_MANY_ROWS % {"limit": limit}
            raise DomainError(message, field_errors={"file": [message]})
    if not count:
        raise DomainError(NO_ROWS, field_errors={"file": [NO_ROWS]})
    return count


def roster_upload_check(upload) -> int:
    """Check an uploaded file is an importable roster; returns its number of member rows."""
    if not (upload.name or "").lower().endswith(".xlsx"):
        raise DomainError(NOT_XLSX, field_errors={"file": [NOT_XLSX]})
    if upload.size > settings.ROSTER_IMPORT_MAX_BYTES:
        message = TOO_LARGE % {"limit": filesizeformat(settings.ROSTER_IMPORT_MAX_BYTES)}
        raise DomainError(message, field_errors={"file": [message]})
    upload.seek(0)
    sheet = _open_sheet(upload)
    try:
        return _count_rows(sheet)
    finally:
        sheet.close()
        upload.seek(0)


@transaction.atomic
def roster_import_create(*, actor, access: Access | None, upload) -> RosterImport:
    """Store an uploaded roster and enqueue its import after commit. Township office only."""
    from tenants.organisation.tasks import roster_import_run

    _require_manager(access)
    total = roster_upload_check(upload)
    roster = RosterImport(
        original_name=(upload.name or "")[-200:], total_rows=total, uploaded_by_id=getattr(actor, "pk", None)
    )
    # A generated name: user-supplied names never become paths. Storage is per township.
    roster.file.save(f"{uuid.uuid4().hex}.xlsx", upload, save=False)
    full_clean_or_raise(roster)
    roster.save()
    audit_record(
        actor=actor, action="roster_import.upload", instance=roster,
        after={"original_name": roster.original_name, "total_rows": total},
    )
    # The job must run in this township's schema whatever the connection is set to at commit time.
    schema = connection.schema_name
    transaction.on_commit(lambda: roster_import_run.apply_async(args=[roster.pk], headers={"_schema_name": schema}))
    return roster


# --- the import job ---------------------------------------------------------------------------
class _WriteFailed(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("roster row rejected while writing")
        self.errors = errors


def _uploader(roster: RosterImport):
    if roster.uploaded_by_id is None:
        return None
    return get_user_model().objects.filter(pk=roster.uploaded_by_id).first()


def _validate(roster: RosterImport) -> tuple[list[_Row], list[dict]]:
    """Read and check every row; saves progress every PROGRESS_EVERY rows (autocommitted)."""
    branches = {b.name: b for b in Branch.objects.all()}
    lookups = _Lookups()
    rows: list[_Row] = []
    first_row_of: dict[str, _Row] = {}
    with roster.file.open("rb") as fileobj:
        sheet = _open_sheet(fileobj)
        try:
            for done, (number, values) in enumerate(sheet.rows(), start=1):
                row = _read_row(number, values, sheet, lookups, branches)
                id_number = row.data.get("id_number")
                if id_number and "id_number" not in {e["_field"] for e in row.errors}:
                    if id_number in first_row_of:
                        row.add_error("id_number", DUPLICATE_IN_FILE % {"row": first_row_of[id_number].number})
                    else:
                        first_row_of[id_number] = row
                rows.append(row)
                if done % PROGRESS_EVERY == 0:
                    RosterImport.objects.filter(pk=roster.pk).update(processed_rows=done)
        finally:
            sheet.close()
    ids = list(first_row_of)
    for start in range(0, len(ids), 1000):
        taken = Member.objects.filter(id_number__in=ids[start:start + 1000]).values_list("id_number", flat=True)
        for id_number in taken:
            first_row_of[id_number].add_error("id_number", ID_NUMBER_TAKEN)
    RosterImport.objects.filter(pk=roster.pk).update(processed_rows=len(rows), total_rows=len(rows))
    errors = [error for row in rows for error in row.errors]
    return rows, errors


def _finish_failed(import_id: int, errors: list[dict]) -> RosterImport:
    with transaction.atomic():
        roster = RosterImport.objects.select_for_update().get(pk=import_id)
        if roster.status in FINISHED:
            return roster
        roster.status = RosterImport.Status.FAILED
        roster.errors = _public_errors(errors)
        roster.processed_rows = roster.total_rows
        roster.finished_at = clock.now()
        roster.save(update_fields=["status", "errors", "processed_rows", "finished_at"])
        audit_record(
            actor=_uploader(roster), action="roster_import.fail", instance=roster,
            after={"status": roster.status, "errors": len(roster.errors)},
        )
        _notify_uploader(roster, event="roster.import_failed", context={"error_count": len(roster.errors)})
        return roster


def _notify_uploader(roster: RosterImport, *, event: str, context: dict) -> None:
    """Tell the uploader how the import ended (in this transaction, via the outbox)."""
    township = connection.tenant
    recipients = recipients_in_township(township=township, users=[_uploader(roster)])
    if recipients:
        notify(event=event, township=township, recipients=recipients,
               context={"file_name": roster.original_name, "import_id": roster.pk, **context})


def _write(import_id: int, rows: list[_Row]) -> RosterImport:
    """Create every member in one transaction; any rejection rolls all of them back."""
    with transaction.atomic():
        roster = RosterImport.objects.select_for_update().get(pk=import_id)
        if roster.status in FINISHED:
            return roster
        actor = _uploader(roster)
        for row in rows:
            try:
                member_create(actor=actor, access=None, **row.data)
            except DomainError as exc:
                # Someone added a clashing member after the rows were checked.
                for field_name, messages in (exc.field_errors or {"": [str(exc.message)]}).items():
                    for message in messages:
                        row.add_error(field_name if field_name in COLUMN_BY_FIELD else "", message)
                raise _WriteFailed(row.errors) from exc
        roster.status = RosterImport.Status.SUCCEEDED
        roster.created_count = len(rows)
        roster.processed_rows = len(rows)
        roster.finished_at = clock.now()
        roster.save(update_fields=["status", "created_count", "processed_rows", "finished_at"])
        audit_record(
            actor=actor, action="roster_import.succeed", instance=roster,
            after={"status": roster.status, "created_count": roster.created_count},
        )
        _notify_uploader(roster, event="roster.import_finished", context={"created_count": roster.created_count})
        return roster


def roster_import_process(*, import_id: int) -> RosterImport:
    """Run one import (the Celery job). Idempotent: a finished import is returned untouched.

    pending -> validating -> importing -> succeeded, or -> failed from validating/importing.
    A job redelivered after a worker died mid-way starts checking again; members are only
    written under the row lock, after re-checking that no other run has finished the import.
    """
    roster = RosterImport.objects.get(pk=import_id)
    if roster.status in FINISHED:
        return roster
    RosterImport.objects.filter(pk=import_id, status=RosterImport.Status.PENDING).update(
        status=RosterImport.Status.VALIDATING
    )
    with translation.override(settings.LANGUAGE_CODE):
        try:
            rows, errors = _validate(roster)
        except DomainError as exc:
            return _finish_failed(import_id, [{"row": 1, "field": "", "message": str(exc.message), "_field": ""}])
        if errors:
            return _finish_failed(import_id, errors)
        RosterImport.objects.filter(pk=import_id, status=RosterImport.Status.VALIDATING).update(
            status=RosterImport.Status.IMPORTING
        )
        try:
            return _write(import_id, rows)
        except _WriteFailed as exc:
            return _finish_failed(import_id, exc.errors)


# --- reads ------------------------------------------------------------------------------------
def roster_import_list() -> QuerySet[RosterImport]:
    """Past imports of this township, newest first (the township office's page)."""
    return RosterImport.objects.defer("errors").order_by("-created_at", "-id")


def roster_import_get(*, pk: int) -> RosterImport:
    return RosterImport.objects.get(pk=pk)


# --- workbooks --------------------------------------------------------------------------------
def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _yes_no(value: bool) -> str:
    return str(YES if value else NO)


def _blank(value):
    """Empty text as an empty cell."""
    return None if value == "" else value


def roster_template_workbook() -> bytes:
    """The import template: the header row, drop-down lists for fixed values, and instructions."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = str(pgettext_lazy("roster sheet", "Members"))
    sheet.append([column.header() for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header()) * 2)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        values = column.hint_values()
        if values:
            validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{settings.ROSTER_IMPORT_MAX_ROWS + 1}")
        if column.kind in ("id", "text"):
            for row in range(2, 502):  # text format, so Excel keeps all 18 digits of ID numbers
                sheet.cell(row=row, column=index).number_format = "@"
    notes = workbook.create_sheet(str(pgettext_lazy("roster sheet", "Instructions")))
    notes.column_dimensions["A"].width = 100
    for line in (
        _("Fill in one member per row on the first sheet; keep the header row as it is."),
        _("Required columns: %(columns)s.") % {"columns": "、".join(str(c.label) for c in COLUMNS if c.required)},
        _("Dates: Excel dates, or text as YYYY-MM-DD or YYYY/MM/DD."),
        _("The branch must be the exact name of an existing branch of this township."),
        _("Enter ID numbers as text so that Excel keeps all 18 characters."),
        _("The probation end date is required for probationary members; the place of work for migrant "
          "workers; the occupation for members with a special occupation."),
        _("If any row has a problem, nothing is imported; you get a list of the rows to correct."),
    ):
        notes.append([str(line)])
    return _save(workbook)


def members_workbook(members: QuerySet[Member], *, mask_ids: bool) -> bytes:
    """Members in the template's columns (plus status); ID numbers masked when asked."""
    headers = [column.header() for column in COLUMNS] + [str(STATUS_LABEL)]
    book = ExportWorkbook().sheet(pgettext_lazy("roster sheet", "Members"), headers)
    labels = {
        name: dict(column.choices.choices) for name, column in COLUMN_BY_FIELD.items() if column.kind == "choice"
    }
    statuses = dict(Member.Status.choices)
    for member in members.iterator(chunk_size=2000):
        book.append([
            member.name,
            str(labels["sex"].get(member.sex, member.sex)),
            member.birth_date,
            member.masked_id_number if mask_ids else member.id_number,
            _blank(member.phone),
            member.joined_on,
            str(labels["kind"].get(member.kind, member.kind)),
            member.probation_ends_on,
            str(labels["category"].get(member.category, member.category)),
            member.branch.name,
            _yes_no(member.is_migrant),
            _blank(member.migrant_location),
            _yes_no(member.is_special_occupation),
            _blank(member.special_occupation),
            _yes_no(member.is_elderly),
            str(statuses.get(member.status, member.status)),
        ])
    return book.to_bytes()


def villages_workbook(villages: QuerySet[Village]) -> bytes:
    headers = [str(h) for h in (
        pgettext_lazy("roster export", "Name"), pgettext_lazy("roster export", "Code"),
        pgettext_lazy("roster export", "Branches"), pgettext_lazy("roster export", "Active members"),
    )]
    book = ExportWorkbook().sheet(pgettext_lazy("roster sheet", "Villages"), headers)
    for village in villages:
        book.append([village.name, village.code, village.branch_count, village.member_count])
    return book.to_bytes()


def branches_workbook(branches: QuerySet[Branch]) -> bytes:
    headers = [str(h) for h in (
        pgettext_lazy("roster export", "Name"), pgettext_lazy("roster export", "Type"),
        pgettext_lazy("roster export", "Parent branch"), pgettext_lazy("roster export", "Village"),
        pgettext_lazy("roster export", "Active members"),
    )]
    book = ExportWorkbook().sheet(pgettext_lazy("roster sheet", "Branches"), headers)
    for branch in branches:
        book.append([
            branch.name, str(branch.get_kind_display()), branch.parent.name if branch.parent else None,
            branch.village.name if branch.village else None, branch.member_count,
        ])
    return book.to_bytes()


def errors_workbook(roster: RosterImport) -> bytes:
    """The error report of a failed import: row, column, reason."""
    headers = [str(h) for h in (
        pgettext_lazy("roster report", "Row"), pgettext_lazy("roster report", "Column"),
        pgettext_lazy("roster report", "Reason"),
    )]
    book = ExportWorkbook().sheet(pgettext_lazy("roster sheet", "Errors"), headers)
    for error in roster.errors:
        book.append([error.get("row"), error.get("field", ""), error.get("message", "")])
    return book.to_bytes()
