"""Conversation history in SQLite: conversations, messages, documents, FTS5 search.

Everything runs on the main thread and each call is small (a single indexed query or one
short write transaction), except `read_messages` and `usage_records`: they open a read
connection of their own and are meant for a worker thread. Every sqlite3 error leaves this
module as a `StorageError` (`DatabaseCorruptError` or `DatabaseLockedError` where that is what
happened) with a message that names the file and says what to do.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from desktop.core.conversation import (
    Conversation,
    ConversationSettings,
    Message,
    MessageStatus,
    Role,
    Usage,
)
from desktop.core.documents import Document
from desktop.core.errors import StorageError
from desktop.storage.files import private_dir
from desktop.storage.sqlite import (
    BUSY_TIMEOUT_MS,
    DatabaseCorruptError,
    open_database,
    rollback,
    storage_error,
)

if TYPE_CHECKING:  # the spending modules load when usage is first read (startup)
    from desktop.core.spend import UsageRecord

T = TypeVar("T")

_BLOB_REF = re.compile(r'"sha256":\s*"([0-9a-f]{64})"')

NEW_TITLE = "New conversation"

_CONVERSATION_COLUMNS = "id, title, created_at, updated_at, settings_json"
_MESSAGE_COLUMNS = (
    "id, conversation_id, role, content_json, status, model, stop_reason, "
    "stop_details_json, usage_json, error, created_at"
)
_DOCUMENT_COLUMNS = "id, name, kind, sha256, byte_size, pages, tokens, tokens_exact"
LAST_MESSAGES_SQL = (
    f"SELECT * FROM (SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? "
    "ORDER BY id DESC LIMIT ?) ORDER BY id"
)
EARLIER_MESSAGES_SQL = (
    f"SELECT * FROM (SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? "
    "AND id < ? ORDER BY id DESC LIMIT ?) ORDER BY id"
)
ALL_MESSAGES_SQL = f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id"
_USAGE_SUMS = ", ".join(f"total(json_extract(usage_json, '$.{name}'))" for name in Usage.__slots__)
USAGE_RECORDS_SQL = (
    "SELECT date(created_at, 'unixepoch', 'localtime') AS day, model, count(*), "
    f"{_USAGE_SUMS} FROM messages "
    "WHERE role = 'assistant' AND usage_json IS NOT NULL AND model IS NOT NULL "
    "GROUP BY day, model ORDER BY day, model"
)
MATCHING_CONVERSATIONS_SQL = (
    "SELECT DISTINCT m.conversation_id FROM messages_fts "
    "JOIN messages AS m ON m.id = messages_fts.rowid WHERE messages_fts MATCH ?"
)


def fts_query(query: str) -> str | None:
    """An FTS5 query matching every word of `query` (in any order, stemmed, no prefixes).

    Each word is quoted, so FTS syntax in user input (``"``, ``*``, ``AND``, ``(``, ``:``)
    is searched for as text rather than parsed. None when there is nothing to search for.
    """
    terms = [f'"{term}"' for term in re.findall(r"\w+", query)]
    return " ".join(terms) if terms else None


class SqliteConversationStore:
    """`ConversationStore` over one SQLite file. Raises only `StorageError` (and subclasses)."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self.moved_aside: Path | None = None  # set by move_aside_and_recreate
        self._conn: sqlite3.Connection | None = None
        with self._errors("open the history"):
            private_dir(self.path.parent)
            self._conn = open_database(self.path, busy_timeout_ms)

    @classmethod
    def move_aside_and_recreate(
        cls, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> SqliteConversationStore:
        """Rename a damaged database to ``<name>.corrupt-<timestamp>`` and open a fresh one.

        The old file (and its ``-wal``/``-shm`` companions) is kept, never deleted; the new
        store's `moved_aside` says where it went.
        """
        path = Path(path)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        try:
            for suffix in ("-wal", "-shm", ""):
                companion = path.with_name(path.name + suffix)
                if companion.exists():
                    companion.rename(target.with_name(target.name + suffix))
        except OSError as exc:
            raise StorageError(
                f"Could not move the damaged history file {path} aside ({exc.strerror}). "
                "Move or rename it yourself, then start Claude Desk again."
            ) from exc
        store = cls(path, busy_timeout_ms=busy_timeout_ms)
        store.moved_aside = target if target.exists() else None
        return store

    # -- conversations -------------------------------------------------------------------

    def list_conversations(
        self, limit: int | None = None, after: Conversation | None = None
    ) -> list[Conversation]:
        """Most recently updated first: all, or `limit` of them listed after `after`."""
        where = ""
        params: tuple[float, ...] = ()
        if after is not None:  # keyset paging: the conversations listed after `after`
            where = "WHERE (updated_at, id) < (?, ?) "
            params = (after.updated_at, after.id)
        with self._errors("read the conversation list"):
            rows = self._db.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations {where}"
                "ORDER BY updated_at DESC, id DESC LIMIT ?",
                (*params, -1 if limit is None else limit),
            ).fetchall()
        return _parse(rows, _conversation, self.path)

    def get_conversation(self, conversation_id: int) -> Conversation | None:
        with self._errors("read a conversation"):
            row = self._db.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
        return None if row is None else _parse([row], _conversation, self.path)[0]

    def create_conversation(self, settings: ConversationSettings) -> Conversation:
        now = time.time()
        settings_json = json.dumps(settings.to_dict())
        with self._errors("create a conversation"), self._write() as db:
            cursor = db.execute(
                "INSERT INTO conversations (title, created_at, updated_at, settings_json) "
                "VALUES (?, ?, ?, ?)",
                (NEW_TITLE, now, now, settings_json),
            )
            new_id = _rowid(cursor)
        return Conversation(new_id, NEW_TITLE, now, now, settings.copy())

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        with self._errors("rename a conversation"), self._write() as db:
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def update_settings(self, conversation_id: int, settings: ConversationSettings) -> None:
        settings_json = json.dumps(settings.to_dict())
        with self._errors("save conversation settings"), self._write() as db:
            db.execute(
                "UPDATE conversations SET settings_json = ? WHERE id = ?",
                (settings_json, conversation_id),
            )

    def delete_conversation(self, conversation_id: int) -> None:
        with self._errors("delete a conversation"), self._write() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- messages ------------------------------------------------------------------------

    def load_messages(
        self, conversation_id: int, limit: int | None = None, before_id: int | None = None
    ) -> list[Message]:
        """The last `limit` messages (all when None), oldest first; walks the index backwards."""
        if limit is not None and limit <= 0:
            return []
        with self._errors("load messages"):
            if before_id is not None:
                page = (conversation_id, before_id, -1 if limit is None else limit)
                rows = self._db.execute(EARLIER_MESSAGES_SQL, page).fetchall()
            elif limit is None:
                rows = self._db.execute(ALL_MESSAGES_SQL, (conversation_id,)).fetchall()
            else:
                rows = self._db.execute(LAST_MESSAGES_SQL, (conversation_id, limit)).fetchall()
        return _parse(rows, _message, self.path)

    def read_messages(self, conversation_id: int) -> list[Message]:
        """Every message of a conversation, oldest first, over a short-lived read connection
        of its own, so it may run in a worker thread while the main thread uses the store."""
        with self._errors("load messages"), self._reader() as conn:
            rows = conn.execute(ALL_MESSAGES_SQL, (conversation_id,)).fetchall()
        return _parse(rows, _message, self.path)

    def count_messages(self, conversation_id: int) -> int:
        with self._errors("count messages"):
            row = self._db.execute(
                "SELECT count(*) FROM messages WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            return int(row[0])

    def usage_by_model(self, conversation_id: int) -> dict[str, Usage]:
        """Token counts of a conversation's answers summed per model, computed inside SQLite."""
        fields = Usage.__slots__
        sums = ", ".join(f"total(json_extract(usage_json, '$.{name}'))" for name in fields)
        with self._errors("sum the conversation's usage"):
            rows = self._db.execute(
                f"SELECT model, {sums} FROM messages WHERE conversation_id = ? "
                "AND usage_json IS NOT NULL AND model IS NOT NULL GROUP BY model",
                (conversation_id,),
            ).fetchall()
        return {
            str(row[0]): Usage(**{n: int(v) for n, v in zip(fields, row[1:], strict=True)})
            for row in rows
        }

    def usage_records(self) -> list[UsageRecord]:
        """Answers' usage summed per local day and model (chat answers: ``batch=False``).

        Opens its own short-lived read connection, so it may run in a worker thread while
        the main thread keeps using the store.
        """
        with self._errors("sum spending"), self._reader() as conn:
            rows = conn.execute(USAGE_RECORDS_SQL).fetchall()
        return _parse(rows, _usage_record, self.path)

    def add_message(self, message: Message) -> Message:
        if message.id is not None:
            raise ValueError(f"message {message.id} is already saved; use update_message")
        created = message.created_at or time.time()
        fields = _mutable_fields(message)
        with self._errors("save a message"), self._write() as db:
            cursor = db.execute(
                "INSERT INTO messages (conversation_id, role, content_json, status, model, "
                "stop_reason, stop_details_json, usage_json, error, search_text, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (message.conversation_id, str(message.role), *fields, created),
            )
            new_id = _rowid(cursor)
            db.execute(
                "UPDATE conversations SET updated_at = max(updated_at, ?) WHERE id = ?",
                (created, message.conversation_id),
            )
        return replace(message, id=new_id, created_at=created)

    def update_message(self, message: Message) -> None:
        """Save a message's content and outcome again (e.g. while it streams).

        A message that no longer exists (its conversation was deleted meanwhile) is ignored.
        """
        if message.id is None:
            raise ValueError("message has no id; use add_message first")
        fields = _mutable_fields(message)
        with self._errors("save a message"), self._write() as db:
            db.execute(
                "UPDATE messages SET content_json = ?, status = ?, model = ?, stop_reason = ?, "
                "stop_details_json = ?, usage_json = ?, error = ?, search_text = ? "
                "WHERE id = ?",
                (*fields, message.id),
            )

    def delete_message(self, message_id: int) -> None:
        with self._errors("delete a message"), self._write() as db:
            db.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    def referenced_blobs(self) -> set[str]:
        """SHA-256 of every blob a stored message's content, a conversation's documents or a
        batch's shared documents name (``"sha256": "…"``)."""
        with self._errors("list attachments"):
            rows = self._db.execute(
                "SELECT content_json FROM messages WHERE content_json LIKE '%\"sha256\"%'"
            ).fetchall()
            documents = self._db.execute("SELECT DISTINCT sha256 FROM documents").fetchall()
            batches = self._db.execute(  # a batch's shared documents (for retry, open)
                "SELECT settings_json FROM batches WHERE settings_json LIKE '%\"sha256\"%'"
            ).fetchall()
        found: set[str] = {str(row[0]) for row in documents}
        for (raw,) in [*rows, *batches]:
            found.update(_BLOB_REF.findall(raw))
        return found

    # -- documents -----------------------------------------------------------------------

    def list_documents(self, conversation_id: int) -> list[Document]:
        """A conversation's context documents, in the order they are sent."""
        with self._errors("read the conversation's documents"):
            rows = self._db.execute(
                f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE conversation_id = ? "
                "ORDER BY position, id",
                (conversation_id,),
            ).fetchall()
        return _parse(rows, _document, self.path)

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
            new_id = _rowid(cursor)
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

    # -- search --------------------------------------------------------------------------

    def matching_conversations(self, query: str) -> set[int]:
        """Ids of every conversation with a message containing every word of `query`.

        Words match whole (with English stemming: "pelicans" finds "pelican"), in any order.
        """
        match = fts_query(query)
        if match is None:
            return set()
        with self._errors("search the history"):
            rows = self._db.execute(MATCHING_CONVERSATIONS_SQL, (match,)).fetchall()
        return {int(row[0]) for row in rows}

    # -- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database; later calls raise StorageError. Safe to call twice."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA optimize")
        conn.close()

    def __enter__(self) -> SqliteConversationStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- helpers -------------------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError("The history database is closed. Restart Claude Desk.")
        return self._conn

    @contextlib.contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection of its own (usable from any one thread), closed after use."""
        if self._conn is None:
            raise StorageError("The history database is closed. Restart Claude Desk.")
        conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; takes the write lock up front so waiting is predictable."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            rollback(db)
            raise

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path, action) from exc
        except OSError as exc:
            raise StorageError(
                f"Could not {action}: {exc.strerror or exc} ({self.path}). "
                "Check that the folder exists and that you may write to it."
            ) from exc


def _parse(rows: list[Any], parse: Callable[[Any], T], path: Path) -> list[T]:
    """Rows to objects; data that does not decode means the file was damaged."""
    try:
        return [parse(row) for row in rows]
    except (ValueError, TypeError, KeyError) as exc:
        raise DatabaseCorruptError(
            f"The history database {path} holds data Claude Desk cannot read. You can move "
            "it aside and start a fresh history; the old file is kept."
        ) from exc


def _rowid(cursor: sqlite3.Cursor) -> int:
    rowid = cursor.lastrowid
    if rowid is None:  # pragma: no cover - sqlite always sets it after an INSERT
        raise StorageError("The history database did not return a new row id.")
    return rowid


def _mutable_fields(message: Message) -> tuple[Any, ...]:
    """content, status, model, stop_reason, stop_details, usage, error, search_text.

    A streaming answer is indexed for search once, when it ends: re-indexing its whole text on
    every save would make the saves of a long answer grow with its length.
    """
    streaming = message.status is MessageStatus.STREAMING
    return (
        json.dumps(message.content, ensure_ascii=False),
        str(message.status),
        message.model,
        message.stop_reason,
        None if message.stop_details is None else json.dumps(message.stop_details),
        None if message.usage is None else json.dumps(message.usage.to_dict()),
        message.error,
        "" if streaming else message.text,
    )


def _conversation(row: tuple[Any, ...]) -> Conversation:
    settings = _settings_from_json(row[4] or "{}").copy()
    return Conversation(int(row[0]), str(row[1]), float(row[2]), float(row[3]), settings)


@lru_cache(maxsize=256)
def _settings_from_json(raw: str) -> ConversationSettings:
    """Parsed once per distinct JSON (most conversations share a few); callers get copies."""
    return ConversationSettings.from_dict(json.loads(raw))


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


def _message(row: tuple[Any, ...]) -> Message:
    return Message(
        id=int(row[0]),
        conversation_id=int(row[1]),
        role=Role(row[2]),
        content=json.loads(row[3]),
        status=MessageStatus(row[4]),
        model=row[5],
        stop_reason=row[6],
        stop_details=None if row[7] is None else json.loads(row[7]),
        usage=None if row[8] is None else Usage.from_dict(json.loads(row[8])),
        error=row[9],
        created_at=float(row[10]),
    )


def _usage_record(row: tuple[Any, ...]) -> UsageRecord:
    from desktop.core.spend import UsageRecord

    counts = {n: int(v) for n, v in zip(Usage.__slots__, row[3:], strict=True)}
    return UsageRecord(str(row[0]), str(row[1]), Usage(**counts), False, int(row[2]))
