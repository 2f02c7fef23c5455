"""Documents kept as a conversation's context: limits, text decoding, blocks (standard library).

From reference/api-facts.md §5: PDFs travel as native `document` blocks with a base64 source;
plain text, markdown, code and CSV travel as text `document` blocks titled with the file name.
A request is at most 32 MB (base64 counted), holds at most 600 PDF pages (100 on models with a
context window of 200K tokens or less), and may not carry encrypted PDFs.

Stored document blocks name their bytes by SHA-256 (``source.type == "blob"``); requests carry
them inline (`desktop.core.requests.inline_blobs`).
"""

from __future__ import annotations

import codecs
import math
from dataclasses import dataclass, replace
from typing import Any, Literal

from desktop.core.catalog import ModelSpec
from desktop.core.errors import DeskError
from desktop.core.images import BLOB_SOURCE, MAX_REQUEST_BYTES, SMALL_CONTEXT, format_bytes

DocumentKind = Literal["pdf", "text"]

PDF_MEDIA_TYPE = "application/pdf"
TEXT_MEDIA_TYPE = "text/plain"
MAX_PAGES = 600
MAX_PAGES_SMALL_CONTEXT = 100
PDF_PAGE_TOKENS = 1_600
"""Local guess per PDF page (text plus page image) when the count endpoint cannot be reached."""
CHARS_PER_TOKEN = 4
PASTE_OFFER_CHARS = 2_000
"""A paste longer than this is offered as a document instead."""


class DocumentError(DeskError):
    """A document cannot be used; `message` says why, for the person who picked it."""

    retryable = False
    title = "Document not usable"


@dataclass(frozen=True, slots=True)
class Document:
    """One document of a conversation's context. `id` is None until the store has saved it.

    `byte_size` counts the bytes sent (the PDF file, or the text as UTF-8); `tokens` is the
    count endpoint's figure when `tokens_exact`, else a local guess.
    """

    name: str
    kind: DocumentKind
    sha256: str
    byte_size: int
    tokens: int
    pages: int | None = None
    tokens_exact: bool = False
    id: int | None = None

    @property
    def media_type(self) -> str:
        return PDF_MEDIA_TYPE if self.kind == "pdf" else TEXT_MEDIA_TYPE

    @property
    def sent_size(self) -> int:
        """Bytes this document adds to a request (PDFs are base64-encoded)."""
        return 4 * math.ceil(self.byte_size / 3) if self.kind == "pdf" else self.byte_size

    def with_tokens(self, tokens: int, exact: bool) -> Document:
        return replace(self, tokens=tokens, tokens_exact=exact)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (a batch keeps its shared documents this way)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "sha256": self.sha256,
            "byte_size": self.byte_size,
            "tokens": self.tokens,
            "pages": self.pages,
            "tokens_exact": self.tokens_exact,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """The document `to_dict` described (without a store id)."""
        pages = data.get("pages")
        return cls(
            name=str(data["name"]),
            kind="pdf" if data.get("kind") == "pdf" else "text",
            sha256=str(data["sha256"]),
            byte_size=int(data["byte_size"]),
            tokens=int(data.get("tokens", 0)),
            pages=None if pages is None else int(pages),
            tokens_exact=bool(data.get("tokens_exact", False)),
        )

    def detail(self) -> str:
        """'1.2 MB · 14 pages · 21,400 tokens' (≈ before a local guess)."""
        parts = [format_bytes(self.byte_size)]
        if self.pages is not None:
            parts.append(f"{self.pages:,} page" + ("" if self.pages == 1 else "s"))
        parts.append(f"{'' if self.tokens_exact else '≈'}{self.tokens:,} tokens")
        return " · ".join(parts)


def decode_text(data: bytes, name: str) -> str:
    """The text of a text file: UTF-8 (with or without BOM) or UTF-16 with a BOM.

    Raises DocumentError for empty files and for anything else (binary files, legacy code
    pages), rather than sending mojibake.
    """
    if not data.strip():
        raise DocumentError(f"“{name}” is empty; there is nothing to add.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise DocumentError(
            f"“{name}” is not a PDF nor text Claude Desk can read (UTF-8, or UTF-16 with a "
            "byte-order mark). Save it as UTF-8 text or PDF and add it again."
        ) from None
    if "\x00" in text:
        raise DocumentError(f"“{name}” looks like a binary file, not text or PDF.")
    if not text.strip():
        raise DocumentError(f"“{name}” is empty; there is nothing to add.")
    return text


def local_text_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def local_pdf_tokens(pages: int) -> int:
    return max(1, pages) * PDF_PAGE_TOKENS


def max_pages(spec: ModelSpec) -> int:
    """600 PDF pages per request, 100 on models with a 200K window or less (or unknown)."""
    window = spec.context_window
    return MAX_PAGES if window is not None and window > SMALL_CONTEXT else MAX_PAGES_SMALL_CONTEXT


def check_documents(documents: list[Document], spec: ModelSpec, other_bytes: int = 0) -> list[str]:
    """Problems that would make the API refuse a request carrying `documents`, for people.

    `other_bytes` is what else the request sends (images as base64). Empty means fine.
    """
    problems = []
    pages = sum(d.pages or 0 for d in documents if d.kind == "pdf")
    most = max_pages(spec)
    if pages > most:
        problems.append(
            f"The PDFs hold {pages:,} pages; {spec.display_name} reads at most {most:,} pages "
            "per request. Remove a PDF or pick a model with a larger context window."
        )
    total = sum(d.sent_size for d in documents) + other_bytes
    if total > MAX_REQUEST_BYTES:
        problems.append(
            f"The documents add up to {format_bytes(total)} as sent; a request may be at most "
            "32 MB. Remove a document."
        )
    return problems


def check_new_document(new: Document, existing: list[Document], spec: ModelSpec) -> str | None:
    """Why `new` cannot join `existing` (limits checked up front), or None."""
    if new.sent_size > MAX_REQUEST_BYTES:
        return (
            f"“{new.name}” is {format_bytes(new.byte_size)} ({format_bytes(new.sent_size)} as "
            "sent); a request may be at most 32 MB."
        )
    if new.pages is not None and new.pages > max_pages(spec):
        return (
            f"“{new.name}” has {new.pages:,} pages; {spec.display_name} reads at most "
            f"{max_pages(spec):,} pages per request."
        )
    problems = check_documents([*existing, new], spec)
    return f"“{new.name}” was not added. {problems[0]}" if problems else None


def stored_block(document: Document) -> dict[str, Any]:
    """The stored form of a document: a reference to its blob, titled with its name."""
    source = {
        "type": BLOB_SOURCE,
        "sha256": document.sha256,
        "media_type": document.media_type,
        "tokens": document.tokens,
        "tokens_exact": document.tokens_exact,
    }
    return {"type": "document", "source": source, "title": document.name}


def api_block(block: dict[str, Any], data: bytes) -> dict[str, Any]:
    """The block to send for a stored document block whose blob holds `data`.

    Keys other than `source` (title, cache_control) are kept in place.
    """
    import base64

    media_type = block["source"]["media_type"]
    if media_type == PDF_MEDIA_TYPE:
        source = {
            "type": "base64",
            "media_type": PDF_MEDIA_TYPE,
            "data": base64.b64encode(data).decode("ascii"),
        }
    else:
        source = {"type": "text", "media_type": TEXT_MEDIA_TYPE, "data": data.decode("utf-8")}
    return {key: (source if key == "source" else value) for key, value in block.items()}


def is_stored_document(block: dict[str, Any]) -> bool:
    source = block.get("source")
    return (
        block.get("type") == "document"
        and isinstance(source, dict)
        and source.get("type") == BLOB_SOURCE
    )


def stored_tokens(block: dict[str, Any]) -> tuple[int, bool]:
    """(tokens, exact) a stored document block carries."""
    source = block["source"]
    return int(source.get("tokens", 0)), bool(source.get("tokens_exact", False))
