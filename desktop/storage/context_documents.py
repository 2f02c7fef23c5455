"""A conversation's context documents in the history database, in the order they are sent."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from desktop.core.documents import Document
from desktop.storage.store_base import StoreBase, rowid

_DOCUMENT_COLUMNS = "id, name, kind, sha256, byte_size, pages, tokens, tokens_exact"


class DocumentsMixin(StoreBase):
    """Documents kept as a conversation's context (blobs themselves live in the blob store)."""

    def list_documents(self, conversation_id: int) -> list[Document]:
        """A conversation's context documents, in the order they are sent."""
        with self._errors("read the conversation's documents"):
            rows = self._db.execute(
                f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE conversation_id = ? "
                "ORDER BY position, id",
                (conversation_id,),
            ).fetchall()
        return self._parse(rows, _document)

    def add_document(self, conversation_id: int, document: Document) -> Document:
        """Append `document` to the conversation's context; returns it with its `id`."""
        with self._errors("save a document"), self._write() as db:
            row = db.execute(
                "SELECT coalesce(max(position), -1) + 1 FROM documents WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
            cursor = db.execute(
                "INSERT INTO documents (conversation_id, position, name, kind, sha256, "
                "byte_size, pages, tokens, tokens_exact, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    int(row[0]),
                    document.name,
                    document.kind,
                    document.sha256,
                    document.byte_size,
                    document.pages,
                    document.tokens,
                    int(document.tokens_exact),
                    time.time(),
                ),
            )
            new_id = rowid(cursor)
        return replace(document, id=new_id)

    def update_document_tokens(self, document_id: int, tokens: int, exact: bool) -> None:
        with self._errors("save a document"), self._write() as db:
            db.execute(
                "UPDATE documents SET tokens = ?, tokens_exact = ? WHERE id = ?",
                (tokens, int(exact), document_id),
            )

    def remove_document(self, document_id: int) -> None:
        with self._errors("remove a document"), self._write() as db:
            db.execute("DELETE FROM documents WHERE id = ?", (document_id,))

    def reorder_documents(self, conversation_id: int, document_ids: list[int]) -> None:
        """Send the conversation's documents in the order of `document_ids`."""
        with self._errors("reorder documents"), self._write() as db:
            db.executemany(
                "UPDATE documents SET position = ? WHERE id = ? AND conversation_id = ?",
                [(pos, doc_id, conversation_id) for pos, doc_id in enumerate(document_ids)],
            )


def _document(row: tuple[Any, ...]) -> Document:
    kind = str(row[2])
    if kind not in ("pdf", "text"):
        raise ValueError(f"unknown document kind {kind!r}")
    return Document(
        id=int(row[0]),
        name=str(row[1]),
        kind="pdf" if kind == "pdf" else "text",
        sha256=str(row[3]),
        byte_size=int(row[4]),
        pages=None if row[5] is None else int(row[5]),
        tokens=int(row[6]),
        tokens_exact=bool(row[7]),
    )
