"""PDFs made for tests with pypdf: plain ones of N pages, encrypted ones, damaged ones."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfWriter


def pdf_bytes(pages: int = 3, password: str | None = None) -> bytes:
    """A PDF of `pages` blank A4 pages, encrypted with `password` when given."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password is not None:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_file(path: Path, pages: int = 3, password: str | None = None) -> Path:
    path.write_bytes(pdf_bytes(pages, password))
    return path


def damaged_pdf(path: Path) -> Path:
    """A file that starts like a PDF and then is garbage (a broken download)."""
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    return path
