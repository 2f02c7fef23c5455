"""Reading and checking documents before they join a conversation's context (worker threads).

PDFs are opened with pypdf only to learn their page count and to refuse encrypted or damaged
files up front; the bytes are sent as they are. Other files must decode as text.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from desktop.core.documents import (
    Document,
    DocumentError,
    decode_text,
    local_pdf_tokens,
    local_text_tokens,
)
from desktop.core.images import MAX_REQUEST_BYTES, format_bytes
from desktop.core.names import file_name

PDF_MAGIC = b"%PDF-"
MAX_FILE_BYTES = MAX_REQUEST_BYTES
"""Files larger than a whole request are refused before they are read."""


@dataclass(frozen=True, slots=True)
class PreparedDocumentData:
    """A checked document: `data` is what its blob holds (the PDF, or the text as UTF-8)."""

    data: bytes
    document: Document


def is_pdf(data: bytes, name: str) -> bool:
    return data[:1024].lstrip().startswith(PDF_MAGIC) or name.lower().endswith(".pdf")


def pdf_pages(data: bytes, name: str) -> int:
    """The page count of a PDF; DocumentError when it is encrypted, damaged or empty."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported, not logged
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentError(
                f"“{name}” is encrypted or password-protected; Claude cannot read such PDFs. "
                "Save an unprotected copy and add that."
            )
        pages = len(reader.pages)
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise DocumentError(f"“{name}” is not a readable PDF (it may be damaged): {exc}") from exc
    if pages == 0:
        raise DocumentError(f"“{name}” has no pages.")
    return pages


def prepare_bytes(data: bytes, name: str) -> PreparedDocumentData:
    """Check `data` named `name` and describe it (page count or decoded text, local tokens)."""
    if not data:
        raise DocumentError(f"“{name}” is empty; there is nothing to add.")
    if is_pdf(data, name):
        pages = pdf_pages(data, name)
        document = Document(
            name=name,
            kind="pdf",
            sha256=hashlib.sha256(data).hexdigest(),
            byte_size=len(data),
            tokens=local_pdf_tokens(pages),
            pages=pages,
        )
        return PreparedDocumentData(data, document)
    return prepare_text(name, decode_text(data, name))


def prepare_text(name: str, text: str) -> PreparedDocumentData:
    """A text document (a pasted text, or a decoded file)."""
    if not text.strip():
        raise DocumentError(f"“{name}” is empty; there is nothing to add.")
    data = text.encode("utf-8")
    document = Document(
        name=name,
        kind="text",
        sha256=hashlib.sha256(data).hexdigest(),
        byte_size=len(data),
        tokens=local_text_tokens(text),
    )
    return PreparedDocumentData(data, document)


def prepare_file(path: str) -> PreparedDocumentData:
    """Read and check the file at `path`."""
    name = file_name(path)
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DocumentError(
                f"“{name}” is {format_bytes(size)}; a request may be at most 32 MB."
            )
        data = file.read_bytes()
    except IsADirectoryError:
        raise DocumentError(f"“{name}” is a folder; add the files inside it.") from None
    except OSError as exc:
        raise DocumentError(f"“{name}” could not be read: {exc.strerror or exc}.") from exc
    return prepare_bytes(data, name)


class PypdfDocumentPreparer:
    """`DocumentPreparer` for the app (blocking: call from a worker thread)."""

    def prepare_file(self, path: str) -> PreparedDocumentData:
        return prepare_file(path)

    def prepare_text(self, name: str, text: str) -> PreparedDocumentData:
        return prepare_text(name, text)
