"""Checks on evidence files: photos (JPEG, PNG, WebP, HEIC) or PDF, up to 10 MB each.

The type is decided from the file's first bytes (magic numbers), never from its name or the
content type the browser claims, and the file must then really be that type: a photo is decoded
in full with Pillow (HEIC through pillow-heif) and must decode as the format its bytes claim, so
a JPEG header followed by a script is refused; a PDF is parsed with pypdf and refused when it does
not parse or carries active content (JavaScript, launch actions, embedded files, XFA forms, rich
media). The SHA-256 computed here, of exactly the bytes uploaded, is the one stored on `Evidence`
and chained into the ledger row. Files are served only as downloads or images (see the views).
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image
from pillow_heif import register_heif_opener
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from common.errors import DomainError

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 10

EVIDENCE_BAD_TYPE = _("Evidence must be a photo (JPEG, PNG, WebP or HEIC) or a PDF file: %(name)s")
EVIDENCE_TOO_LARGE = _("Evidence files may be at most 10 MB each: %(name)s")
EVIDENCE_EMPTY = _("The evidence file is empty: %(name)s")
EVIDENCE_TOO_MANY = _("Attach at most 10 evidence files.")
EVIDENCE_NOT_DECODABLE = _("This file is not a readable %(kind)s (it may be damaged or something else renamed): "
                           "%(name)s")
EVIDENCE_ACTIVE_PDF = _("PDF files with scripts, actions, forms or attachments are not accepted; print it to a "
                        "plain PDF or take a photo: %(name)s")

register_heif_opener()
# Photos from phones are at most a few tens of megapixels; anything larger is refused, not decoded.
MAX_PIXELS = 60_000_000
PILLOW_FORMATS = {"image/jpeg": {"JPEG", "MPO"}, "image/png": {"PNG"}, "image/webp": {"WEBP"},
                  "image/heic": {"HEIF"}}
KINDS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP", "image/heic": "HEIC",
         "application/pdf": "PDF"}
# PDF names that make a document do something when opened or clicked.
ACTIVE_PDF_KEYS = {"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA",
                   "/SubmitForm", "/ImportData", "/GoToE"}
MAX_PDF_OBJECTS = 100_000

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
        _check_content(upload, content_type, name)
        upload.seek(0)
        checked.append(CheckedFile(upload=upload, original_name=name, content_type=content_type, size=total,
                                   sha256=digest.hexdigest()))
    return checked


def _check_content(upload, content_type: str, name: str) -> None:
    kind = KINDS[content_type]
    if content_type == "application/pdf":
        _check_pdf(upload, name, kind)
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.format not in PILLOW_FORMATS[content_type]:
                    _fail(EVIDENCE_NOT_DECODABLE, name, kind=kind)
                if image.width * image.height > MAX_PIXELS:
                    _fail(EVIDENCE_NOT_DECODABLE, name, kind=kind)
                image.load()  # decode every pixel: a truncated or fake image fails here
    except DomainError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        _fail(EVIDENCE_NOT_DECODABLE, name, kind=kind)


def _check_pdf(upload, name: str, kind: str) -> None:
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted or len(reader.pages) == 0:
            _fail(EVIDENCE_NOT_DECODABLE, name, kind=kind)
        if _pdf_active(reader.trailer):
            _fail(EVIDENCE_ACTIVE_PDF, name)
    except DomainError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        _fail(EVIDENCE_NOT_DECODABLE, name, kind=kind)


def _pdf_active(root) -> bool:
    """Walk every object reachable from the trailer (each once) looking for active content."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(obj, DictionaryObject):
            if ACTIVE_PDF_KEYS & set(obj.keys()):
                return True
            if obj.get("/S") in ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/RichMediaExecute"):
                return True
            stack.extend(value for key, value in obj.items() if key != "/Parent")
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return False


def _fail(message, name, **params):
    text = message % {"name": name, **params}
    raise DomainError(text, field_errors={"evidence": [text]})


def evidence_response(evidence):
    """The stored file as a response a browser never runs: photos inline as images, PDFs (and
    anything else) as attachments; no type sniffing, and a sandboxing policy on top."""
    from django.http import FileResponse

    inline = evidence.content_type in PILLOW_FORMATS
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type,
                            as_attachment=not inline, filename=evidence.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
