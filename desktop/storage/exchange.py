"""Export and import on disk: snapshots of stored conversations, export files, imports.

`SqliteExchange` is the `ConversationExchange` port. Every method blocks: the UI calls them
from a worker thread. Reads go over a read-only connection of their own; each imported
conversation is written in one transaction on a connection of its own (all of it or none),
after its blobs are in the blob store. Export files are written by the atomic writer (a
temporary file renamed over the target, owner-only), images before the Markdown that links
them; the folder of the last export is remembered in ``config/exports.json``.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from desktop.core.conversation import Conversation
from desktop.core.errors import StorageError
from desktop.core.exchange import (
    ConversationSnapshot,
    ExchangeError,
    ImportBundle,
    ImportedConversation,
    ImportResult,
    snapshot_blobs,
)
from desktop.storage.blobs import BlobMissingError, BlobStore
from desktop.storage.context_documents import _DOCUMENT_COLUMNS, _document
from desktop.storage.conversations import CONVERSATION_COLUMNS, conversation_from_row
from desktop.storage.exports import read_folder
from desktop.storage.files import atomic_write, private_dir
from desktop.storage.message_tree import TREE_SQL
from desktop.storage.messages import CURRENT_SQL, _mutable_fields, message_from_row
from desktop.storage.sqlite import open_database, rollback, storage_error

EXPORTS_FILE = "exports.json"
MAX_IMPORT_BYTES = 1 << 30
READ_CHUNK = 4 << 20


class SqliteExchange:
    """Conversations of the history at `database_path` in and out of files."""

    def __init__(self, database_path: Path, blobs: BlobStore, config_dir: Path) -> None:
        self.database_path = Path(database_path)
        self.blobs = blobs
        self._settings = Path(config_dir) / EXPORTS_FILE
        self._folder: str | None = None

    # -- the dialogs' folder ----------------------------------------------------------------------

    def folder(self) -> str:
        """The folder of the last export or import while it exists, else ""."""
        if self._folder is None:
            self._folder = read_folder(self._settings)
        return self._folder if self._folder and Path(self._folder).is_dir() else ""

    def remember_folder(self, path: str) -> None:
        """Open the next dialog where `path` is (best effort: a failure is not an error)."""
        folder = str(Path(path).absolute().parent)
        if folder == self._folder:
            return
        self._folder = folder
        with contextlib.suppress(OSError):
            atomic_write(self._settings, json.dumps({"folder": folder}).encode())

    # -- export -----------------------------------------------------------------------------------

    def conversation_ids(self) -> list[int]:
        """Every conversation, most recently updated first."""
        with self._reading("list conversations") as conn:
            rows = conn.execute("SELECT id FROM conversations ORDER BY updated_at DESC, id DESC")
            return [int(row[0]) for row in rows]

    def snapshot(self, conversation_id: int) -> ConversationSnapshot:
        """One conversation as stored, every branch, with the bytes of its blobs."""
        with self._reading("read a conversation for export") as conn:
            row = conn.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            if row is None:
                raise StorageError("That conversation no longer exists.")
            messages = conn.execute(TREE_SQL, (conversation_id,)).fetchall()
            leaf = conn.execute(CURRENT_SQL, {"conversation": conversation_id}).fetchone()
            documents = conn.execute(
                f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE conversation_id = ? "
                "ORDER BY position, id",
                (conversation_id,),
            ).fetchall()
        try:
            snapshot = ConversationSnapshot(
                conversation_from_row(row),
                [message_from_row(m) for m in messages],
                None if leaf is None or leaf[0] is None else int(leaf[0]),
                [_document(d) for d in documents],
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise StorageError(f"The conversation cannot be read for export ({exc}).") from exc
        self._fill_blobs(snapshot)
        return snapshot

    def _fill_blobs(self, snapshot: ConversationSnapshot) -> None:
        for sha in snapshot_blobs(snapshot):
            try:
                snapshot.blobs[sha] = self.blobs.get(sha)
            except BlobMissingError:
                snapshot.missing_blobs.add(sha)

    def write_export(self, path: str, text: str, files: Mapping[str, bytes] | None = None) -> None:
        """Write `files` (paths relative to `path`'s folder) and then `text` to `path`, each
        atomically and owner-only; remember the folder."""
        target = Path(path)
        try:
            for relative, data in (files or {}).items():
                file = target.parent / relative
                private_dir(file.parent)
                atomic_write(file, data)
            atomic_write(target, text.encode("utf-8"))
        except OSError as exc:
            raise StorageError(f"Could not write {target}: {exc.strerror or exc}.") from exc
        self.remember_folder(path)

    def make_folder(self, path: str) -> None:
        """A folder for an export of many files (owner-only when made here)."""
        try:
            private_dir(Path(path))
        except OSError as exc:
            raise StorageError(f"Could not make the folder {path}: {exc.strerror or exc}.") from exc

    # -- import -----------------------------------------------------------------------------------

    def read_text(self, path: str) -> str:
        """A file to import, as text (UTF-8, a byte-order mark allowed), read in pieces."""
        try:
            size = os.path.getsize(path)
            if size > MAX_IMPORT_BYTES:
                raise ExchangeError(
                    f"This file is {size / (1 << 30):.1f} GB; Claude Desk imports files of up "
                    "to 1 GB. Nothing was imported."
                )
            decoder = codecs.getincrementaldecoder("utf-8-sig")()
            parts: list[str] = []
            with open(path, "rb") as handle:
                while chunk := handle.read(READ_CHUNK):
                    parts.append(decoder.decode(chunk))
                parts.append(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise ExchangeError(
                "This file is not text in UTF-8, so it is not an export. Nothing was imported."
            ) from exc
        except OSError as exc:
            raise ExchangeError(f"Could not read {path}: {exc.strerror or exc}.") from exc
        self.remember_folder(path)
        return "".join(parts)

    def import_bundle(self, bundle: ImportBundle) -> ImportResult:
        """Add every conversation of `bundle` as a new one: its blobs first, then all of it in
        one transaction. A conversation that fails leaves nothing behind; the others go on."""
        result = ImportResult()
        try:
            for data in bundle.blobs.values():
                self.blobs.put(data)
            conn = open_database(self.database_path)
        except sqlite3.Error as exc:
            raise storage_error(exc, self.database_path, "import conversations") from exc
        try:
            for imported in bundle.conversations:
                try:
                    result.imported.append(_insert(conn, imported))
                except (sqlite3.Error, ValueError, KeyError) as exc:
                    rollback(conn)
                    result.failed.append((imported.title, _reason(exc)))
        finally:
            conn.close()
        return result

    @contextlib.contextmanager
    def _reading(self, action: str) -> Iterator[sqlite3.Connection]:
        uri = f"{self.database_path.resolve().as_uri()}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True)
        except sqlite3.Error as exc:
            raise storage_error(exc, self.database_path, action) from exc
        try:
            yield conn
        except sqlite3.Error as exc:
            raise storage_error(exc, self.database_path, action) from exc
        finally:
            conn.close()


def _insert(conn: sqlite3.Connection, imported: ImportedConversation) -> Conversation:
    """One conversation, its messages (parents first) and documents, in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    settings_json = json.dumps(imported.settings.to_dict())
    cursor = conn.execute(
        "INSERT INTO conversations (title, created_at, updated_at, settings_json) "
        "VALUES (?, ?, ?, ?)",
        (imported.title, imported.created_at, imported.updated_at, settings_json),
    )
    conversation_id = _rowid(cursor)
    new_ids: dict[int, int] = {}
    for message in imported.messages:
        parent = None if message.parent_id is None else new_ids[message.parent_id]
        cursor = conn.execute(
            "INSERT INTO messages (conversation_id, role, content_json, status, model, "
            "stop_reason, stop_details_json, usage_json, error, search_text, created_at, "
            "parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, str(message.role), *_mutable_fields(message),
             message.created_at or time.time(), parent),
        )  # fmt: skip
        new_ids[message.id or 0] = _rowid(cursor)
    leaf = None if imported.current_leaf is None else new_ids[imported.current_leaf]
    conn.execute(
        "UPDATE conversations SET current_leaf_id = ? WHERE id = ?", (leaf, conversation_id)
    )
    conn.executemany(
        "INSERT INTO documents (conversation_id, position, name, kind, sha256, byte_size, "
        "pages, tokens, tokens_exact, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (conversation_id, position, d.name, d.kind, d.sha256, d.byte_size, d.pages,
             d.tokens, int(d.tokens_exact), imported.updated_at)
            for position, d in enumerate(imported.documents)
        ],
    )  # fmt: skip
    conn.execute("COMMIT")
    return Conversation(
        conversation_id,
        imported.title,
        imported.created_at,
        imported.updated_at,
        imported.settings.copy(),
    )


def _rowid(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:  # pragma: no cover - sqlite always sets it after an INSERT
        raise sqlite3.DatabaseError("no row id after an insert")
    return cursor.lastrowid


def _reason(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return "the history was busy; import the file again"
    return text or type(exc).__name__
