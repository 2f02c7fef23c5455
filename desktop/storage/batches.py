"""Message Batches in the history database: ids, requests, results, and their spending.

A second connection to the same SQLite file (WAL), usable from a worker thread: saving or
loading tens of thousands of rows must not run on the UI thread. A lock serialises use of the
connection. Every sqlite3 error leaves as a `StorageError`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from desktop.core.batch_results import BatchInfo, BatchRecord, BatchResult, RequestCounts
from desktop.core.conversation import Usage
from desktop.core.spend import UsageRecord
from desktop.storage.sqlite import open_database, storage_error

_BATCH_COLUMNS = (
    "id, title, model, settings_json, status, counts_json, created_at, expires_at, ended_at, "
    "results_saved, notified"
)
_USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "thinking_tokens",
    "web_search_requests",  # absent from results stored before they were counted: 0
    "web_fetch_requests",
)
_USAGE_SQL = (
    "SELECT date(b.ended_at, 'unixepoch', 'localtime') AS day, COALESCE(r.model, b.model), "
    + ", ".join(f"SUM(COALESCE(json_extract(r.usage_json, '$.{f}'), 0))" for f in _USAGE_FIELDS)
    + ", COUNT(*) FROM batch_results AS r JOIN batches AS b ON b.id = r.batch_id "
    "WHERE r.usage_json IS NOT NULL AND b.ended_at IS NOT NULL "
    "GROUP BY day, COALESCE(r.model, b.model) ORDER BY day, 2"
)


class SqliteBatchStore:
    """Batches, their requests and results. Thread-safe; raises only `StorageError`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        with self._errors("open the batches"):
            self._conn: sqlite3.Connection | None = open_database(self.path, shared=True)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- batches -----------------------------------------------------------------------------

    def add_batch(
        self,
        info: BatchInfo,
        title: str,
        settings: dict[str, Any],
        requests: list[tuple[str, str, dict[str, Any]]],
    ) -> BatchRecord:
        """Store a just-created batch and its requests as (custom_id, prompt, params)."""
        model = str(settings.get("model") or "")
        rows = [
            (info.id, n, cid, prompt, json.dumps(params))
            for n, (cid, prompt, params) in enumerate(requests)
        ]
        with self._write("save the batch") as db:
            db.execute(
                f"INSERT INTO batches ({_BATCH_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,0,0)",
                (info.id, title, model, json.dumps(settings), *_info_fields(info)),
            )
            db.executemany("INSERT INTO batch_requests VALUES (?,?,?,?,?)", rows)
        return BatchRecord(info, title, model, settings)

    def update_batch(self, info: BatchInfo) -> None:
        with self._write("update the batch") as db:
            db.execute(
                "UPDATE batches SET status=?, counts_json=?, created_at=?, expires_at=?, "
                "ended_at=? WHERE id=?",
                (*_info_fields(info), info.id),
            )

    def mark_notified(self, batch_id: str) -> None:
        with self._write("update the batch") as db:
            db.execute("UPDATE batches SET notified=1 WHERE id=?", (batch_id,))

    def list_batches(self) -> list[BatchRecord]:
        """Every stored batch, newest first."""
        with self._read("read the batches") as db:
            rows = db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches ORDER BY created_at DESC")
            return [_record(row) for row in rows.fetchall()]

    def get_batch(self, batch_id: str) -> BatchRecord | None:
        with self._read("read the batch") as db:
            row = db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE id=?", (batch_id,))
            found = row.fetchone()
        return None if found is None else _record(found)

    def delete_batch(self, batch_id: str) -> None:
        with self._write("delete the batch") as db:
            db.execute("DELETE FROM batches WHERE id=?", (batch_id,))

    # -- requests and results ----------------------------------------------------------------

    def prompts(self, batch_id: str) -> dict[str, str]:
        """custom_id -> prompt, in the order they were sent."""
        with self._read("read the batch's requests") as db:
            rows = db.execute(
                "SELECT custom_id, prompt FROM batch_requests WHERE batch_id=? ORDER BY position",
                (batch_id,),
            )
            return dict(rows.fetchall())

    def request_params(
        self, batch_id: str, custom_ids: Iterable[str]
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """(custom_id, prompt, params) of the given requests, in the order they were sent."""
        wanted = set(custom_ids)
        with self._read("read the batch's requests") as db:
            rows = db.execute(
                "SELECT custom_id, prompt, params_json FROM batch_requests WHERE batch_id=? "
                "ORDER BY position",
                (batch_id,),
            ).fetchall()
        return [(cid, prompt, json.loads(raw)) for cid, prompt, raw in rows if cid in wanted]

    def save_results(self, batch_id: str, results: list[BatchResult]) -> None:
        rows = [_result_row(batch_id, r) for r in results]
        with self._write("save the batch results") as db:
            db.execute("DELETE FROM batch_results WHERE batch_id=?", (batch_id,))
            db.executemany(
                "INSERT OR REPLACE INTO batch_results VALUES (?,?,?,?,?,?,?,?,?,?)", rows
            )
            db.execute("UPDATE batches SET results_saved=1 WHERE id=?", (batch_id,))

    def load_results(self, batch_id: str) -> list[BatchResult]:
        """Every stored result of a batch (in a worker thread: it lets go of the GIL every
        few hundred rows, so the UI thread keeps its frames)."""
        with self._read("read the batch results") as db:
            rows = db.execute(
                "SELECT custom_id, kind, text, model, stop_reason, usage_json, error_type, "
                "error_message, content_json FROM batch_results WHERE batch_id=?",
                (batch_id,),
            ).fetchall()
        out = []
        for number, row in enumerate(rows):
            if number % 200 == 0:
                time.sleep(0)
            out.append(_result(row))
        return out

    def batch_usage_records(self) -> list[UsageRecord]:
        """Batch results' usage summed per local day (of the batch's end) and model."""
        with self._read("read batch spending") as db:
            rows = db.execute(_USAGE_SQL).fetchall()
        out = []
        for day, model, *sums, count in rows:
            usage = Usage(**{f: int(v) for f, v in zip(_USAGE_FIELDS, sums, strict=True)})
            out.append(UsageRecord(day, model, usage, batch=True, requests=int(count)))
        return out

    # -- plumbing ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _read(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors(action):
            yield self._db()

    @contextlib.contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors(action):
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.ProgrammingError("the batch store is closed")
        return self._conn

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path, action) from exc


def _info_fields(info: BatchInfo) -> tuple[Any, ...]:
    counts = json.dumps(info.counts.to_dict())
    return (info.status, counts, info.created_at, info.expires_at, info.ended_at)


def _record(row: tuple[Any, ...]) -> BatchRecord:
    bid, title, model, settings, status, counts, created, expires, ended, saved, notified = row
    info = BatchInfo(
        id=bid,
        status=status,
        counts=RequestCounts.from_dict(json.loads(counts)),
        created_at=created,
        expires_at=expires,
        ended_at=ended,
    )
    return BatchRecord(info, title, model, json.loads(settings), bool(saved), bool(notified))


def _result_row(batch_id: str, r: BatchResult) -> tuple[Any, ...]:
    usage = json.dumps(r.usage.to_dict()) if r.usage is not None else None
    content = json.dumps(list(r.content)) if r.content else None
    return (
        batch_id,
        r.custom_id,
        r.kind,
        r.text,
        r.model,
        r.stop_reason,
        usage,
        r.error_type,
        r.error_message,
        content,
    )


def _result(row: tuple[Any, ...]) -> BatchResult:
    cid, kind, text, model, stop, usage, etype, emsg, content = row
    return BatchResult(
        custom_id=cid,
        kind=kind,
        text=text,
        model=model,
        stop_reason=stop,
        usage=Usage.from_dict(json.loads(usage)) if usage else None,
        error_type=etype,
        error_message=emsg,
        content=tuple(json.loads(content)) if content else (),
    )
