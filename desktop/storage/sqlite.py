"""The history file's SQLite connection: WAL, migrations by ``PRAGMA user_version``, errors.

Shared by the conversation store (`desktop.storage.database`) and the batch store
(`desktop.storage.batches`). Every sqlite3 error is turned into a `StorageError`
(`DatabaseCorruptError` or `DatabaseLockedError` where that is what happened) with a message
that names the file and says what to do.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path

from desktop.core.errors import StorageError
from desktop.storage.migrations import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 2000
PAGE_SIZE = 16384


class DatabaseCorruptError(StorageError):
    """The file is damaged or not a database; `move_aside_and_recreate` can start afresh."""

    title = "History file damaged"


class DatabaseLockedError(StorageError):
    """Another program (most likely another Claude Desk) holds the database."""

    title = "History in use"


def rollback(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")


def open_database(
    path: Path,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    *,
    shared: bool = False,
    check: bool = False,
) -> sqlite3.Connection:
    """A connection to the history file, configured and migrated (sqlite3 errors propagate).

    `shared` allows the connection to be used from several threads (callers then lock).
    `check` runs ``PRAGMA quick_check`` on an existing file first, so damage inside the file
    is found at open (as a "malformed" `sqlite3.DatabaseError`), not on some later write.
    """
    existed = path.exists() and path.stat().st_size > 0
    conn = sqlite3.connect(
        path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=not shared
    )
    try:
        if check and existed:
            quick_check(conn, path)
        _configure(conn)
        _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Raise a "malformed" `sqlite3.DatabaseError` unless ``PRAGMA quick_check`` finds the
    file sound; what it found goes to the log only."""
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if [tuple(row) for row in rows] != [("ok",)]:
        found = "; ".join(str(row[0]) for row in rows[:5])
        log.error("quick_check of %s failed: %s", path, found[:2000])
        raise sqlite3.DatabaseError("database disk image is malformed (quick_check)")


def _configure(conn: sqlite3.Connection) -> None:
    # page_size only takes effect on a brand-new file, so it must come before WAL.
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"The history database {path} was written by a newer version of Claude Desk "
            f"(schema {version}, this version knows {SCHEMA_VERSION}). Update Claude Desk."
        )
    for number in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[number - 1](conn)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise


_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 8, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 13, 14, 26


def storage_error(exc: sqlite3.Error, path: Path, action: str) -> StorageError:
    """A person-readable StorageError for one sqlite3 error."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc)
    prefix = f"Could not {action}:"
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in text:
        return DatabaseLockedError(
            f"{prefix} the history database {path} is locked by another program — another "
            "Claude Desk may be running. Close it and try again."
        )
    if code in (_SQLITE_NOTADB, _SQLITE_CORRUPT) or "malformed" in text or "not a database" in text:
        return DatabaseCorruptError(
            f"{prefix} the history database {path} is damaged or is not a Claude Desk "
            "database. You can move it aside and start a fresh history; the old file is kept."
        )
    if code == _SQLITE_FULL:
        return StorageError(f"{prefix} the disk holding {path} is full. Free some space.")
    if code == _SQLITE_READONLY:
        return StorageError(
            f"{prefix} the history database {path} is read-only. Check its permissions."
        )
    if code in (_SQLITE_IOERR, _SQLITE_CANTOPEN):
        return StorageError(
            f"{prefix} the history database {path} could not be read or written ({text}). "
            "Check the disk and that you may write to this folder."
        )
    return StorageError(f"{prefix} the history database {path} reported: {text}.")
