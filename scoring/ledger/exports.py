"""The entries list as an Excel sheet (page and API alike): every row of the filtered list, read in
chunks so a big township's export keeps memory bounded (`common.tables.EXPORT_MAX_ROWS`)."""
from __future__ import annotations

from itertools import islice

from django.utils.translation import gettext as _

from common import clock
from common.tables import EXPORT_CHUNK, Sheet
from scoring.ledger.selectors import user_names


def entries_sheet(entries, *, zone) -> Sheet:
    """`entries` (`selectors.entry_export_rows`); times in `zone` (the township's)."""

    def rows():
        iterator = entries.iterator(chunk_size=EXPORT_CHUNK)
        while chunk := list(islice(iterator, EXPORT_CHUNK)):
            names = user_names(entry.entered_by_id for entry in chunk)
            for entry in chunk:
                status = entry.get_status_display()
                if entry.status not in ("posted", "rejected") and entry.current_level:
                    status = f"{status} · {entry.get_current_level_display()}"
                yield [
                    entry.member.name, entry.member.branch.name, entry.rule.code, entry.rule.name, entry.occurred_on,
                    entry.final_points if entry.final_points is not None else entry.points, str(status),
                    _("Yes") if entry.is_late else "",
                    clock.localtime(entry.entered_at, zone=zone).replace(tzinfo=None),
                    names.get(entry.entered_by_id, ""), entry.note,
                ]

    return Sheet(_("Points entries"), [
        _("Member"), _("Branch"), _("Item code"), _("Item"), _("Date it happened"), _("Points"), _("Status"),
        _("Late entry"), _("Recorded at"), _("Recorded by"), _("Note")], rows())


def entries_filename(township, today) -> str:
    return f"entries-{township.code}-{today:%Y%m%d}.xlsx"
