"""Real small files for upload tests: photos that decode and PDFs that parse."""
from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject


def photo_bytes(seed: int = 0, fmt: str = "JPEG", size: tuple[int, int] = (16, 12)) -> bytes:
    """A small real image (distinct bytes for every seed)."""
    image = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    image.putpixel((0, 0), (seed % 256, 255 - seed % 256, 7))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def pdf_bytes(*, javascript: str | None = None) -> bytes:
    """A one-page PDF; with `javascript`, one that runs it when opened."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript is not None:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(javascript)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
