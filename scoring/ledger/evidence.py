"""Checks on evidence files: photos (JPEG, PNG, WebP, HEIC) or PDF, up to 10 MB each.

The type is decided from the file's first bytes (magic numbers), never from its name or the
content type the browser claims, so a text file renamed `.jpg` is refused. The SHA-256 computed
here is the one stored on `Evidence` and chained into the ledger row.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from common.errors import DomainError

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 10

EVIDENCE_BAD_TYPE = _("Evidence must be a photo (JPEG, PNG, WebP or HEIC) or a PDF file: %(name)s")
EVIDENCE_TOO_LARGE = _("Evidence files may be at most 10 MB each: %(name)s")
EVIDENCE_EMPTY = _("The evidence file is empty: %(name)s")
EVIDENCE_TOO_MANY = _("Attach at most 10 evidence files.")

EXTENSIONS = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
    "application/pdf": ".pdf",
}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def sniff_content_type(head: bytes) -> str | None:
    """The evidence type of a file from its first 16 bytes, or None when it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


@dataclass(frozen=True)
class CheckedFile:
    upload: object  # a django File / UploadedFile, rewound
    original_name: str
    content_type: str
    size: int
    sha256: str

    @property
    def stored_name(self) -> str:
        return f"{self.sha256[:32]}{EXTENSIONS[self.content_type]}"


def evidence_check(files) -> list[CheckedFile]:
    """Check every file; raise a DomainError (field `evidence`) on the first bad one."""
    files = [f for f in (files or []) if f is not None]
    if len(files) > MAX_EVIDENCE_FILES:
        raise DomainError(EVIDENCE_TOO_MANY, field_errors={"evidence": [EVIDENCE_TOO_MANY]})
    checked = []
    for upload in files:
        name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200]
        size = getattr(upload, "size", None)
        if size is not None and size > MAX_EVIDENCE_BYTES:
            _fail(EVIDENCE_TOO_LARGE, name)
        upload.seek(0)
        head = upload.read(16)
        content_type = sniff_content_type(head)
        if not head:
            _fail(EVIDENCE_EMPTY, name)
        if content_type is None:
            _fail(EVIDENCE_BAD_TYPE, name)
        digest = hashlib.sha256(head)
        total = len(head)
        while chunk := upload.read(1024 * 1024):
            total += len(chunk)
            if total > MAX_EVIDENCE_BYTES:
                _fail(EVIDENCE_TOO_LARGE, name)
            digest.update(chunk)
        upload.seek(0)
        checked.append(CheckedFile(upload=upload, original_name=name, content_type=content_type, size=total,
                                   sha256=digest.hexdigest()))
    return checked


def _fail(message, name):
    text = message % {"name": name}
    raise DomainError(text, field_errors={"evidence": [text]})
