"""The conversation store's connection: opening, transactions, errors, row parsing, closing.

The store's features (conversations, messages and their tree, documents, usage and search)
are mixins over this base, each in a module of its own; `desktop.storage.database` puts them
together as `SqliteConversationStore`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from desktop.core.errors import StorageError
from desktop.storage.sqlite import (
    BUSY_TIMEOUT_MS,
    DatabaseCorruptError,
    open_database,
    rollback,
    storage_error,
)

T = TypeVar("T")


class StoreBase:
    """One SQLite file on the main thread. Raises only `StorageError` (and subclasses)."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self.moved_aside: Path | None = None  # set by move_aside_and_recreate
        self._conn: sqlite3.Connection | None = None
        with self._errors("open the history"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = open_database(self.path, busy_timeout_ms, check=True)

    @classmethod
    def move_aside_and_recreate(cls, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Self:
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

    def close(self) -> None:
        """Close the database; later calls raise StorageError. Safe to call twice."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA optimize")
        conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

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

    def _parse(self, rows: list[Any], parse: Callable[[Any], T]) -> list[T]:
        """Rows to objects; data that does not decode means the file was damaged."""
        try:
            return [parse(row) for row in rows]
        except (ValueError, TypeError, KeyError) as exc:
            raise DatabaseCorruptError(
                f"The history database {self.path} holds data Claude Desk cannot read. You can "
                "move it aside and start a fresh history; the old file is kept."
            ) from exc


def rowid(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made."""
    new_id = cursor.lastrowid
    if new_id is None:  # pragma: no cover - sqlite always sets it after an INSERT
        raise StorageError("The history database did not return a new row id.")
    return new_id
