"""Messages in the history database, as a tree: each names its parent (None for a root).

A conversation remembers its current message (``conversations.current_leaf_id``, normally a
leaf); "its messages" (`load_messages`, `read_messages`, `count_messages`) are the path from
the root to that message, which is every message while the conversation has no branches.
Paths are walked up from a message by primary key, so a page costs the same in any history.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from desktop.core.conversation import Message, MessageStatus, Role, Usage
from desktop.storage.store_base import StoreBase, rowid

MAX_DEPTH = 1 << 30
"""Bound on a path's length (also ends the walk, should a damaged file hold a cycle)."""

MESSAGE_COLUMNS = (
    "id, conversation_id, role, content_json, status, model, stop_reason, "
    "stop_details_json, usage_json, error, created_at, parent_id"
)
M_COLUMNS = ", ".join(f"m.{name.strip()}" for name in MESSAGE_COLUMNS.split(","))

CURRENT_SQL = (
    "SELECT coalesce(c.current_leaf_id, "
    "(SELECT max(id) FROM messages WHERE conversation_id = c.id)) "
    "FROM conversations AS c WHERE c.id = :conversation"
)
"""The conversation's current message: the one remembered, else its latest."""

_PATH = (
    "WITH RECURSIVE path(id, depth) AS ("
    " SELECT ({start}), 0"
    " UNION ALL"
    " SELECT m.parent_id, path.depth + 1 FROM path JOIN messages AS m ON m.id = path.id"
    " WHERE m.parent_id IS NOT NULL AND path.depth + 1 < :limit"
    ") "
)
_PATH_ROWS = (
    f"SELECT {M_COLUMNS} FROM path JOIN messages AS m ON m.id = path.id "
    "WHERE m.conversation_id = :conversation ORDER BY path.depth DESC"
)
PATH_SQL = _PATH.format(start=":leaf") + _PATH_ROWS
"""The last `limit` messages of the path to `leaf`, root first."""
PATH_IDS_SQL = _PATH.format(start=":leaf") + (
    "SELECT m.id FROM path JOIN messages AS m ON m.id = path.id "
    "WHERE m.conversation_id = :conversation ORDER BY path.depth DESC"
)
"""The ids of the path to `leaf`, root first."""
CURRENT_PATH_SQL = _PATH.format(start=CURRENT_SQL) + _PATH_ROWS
EARLIER_PATH_SQL = (
    _PATH.format(start="SELECT parent_id FROM messages WHERE id = :before") + _PATH_ROWS
)
"""The `limit` messages of a path just above `before` (an earlier page of it)."""
CURRENT_PATH_LENGTH_SQL = (
    _PATH.format(start=CURRENT_SQL)
    + "SELECT count(*) FROM path JOIN messages AS m ON m.id = path.id "
    "WHERE m.conversation_id = :conversation"
)


class MessagesMixin(StoreBase):
    """Adding, saving, deleting messages, and the path a conversation shows."""

    def load_messages(
        self, conversation_id: int, limit: int | None = None, before_id: int | None = None
    ) -> list[Message]:
        """The last `limit` messages (all when None) of the conversation's current path, or of
        the path above `before_id`; root first."""
        return self.load_path(conversation_id, None, limit, before_id)

    def load_path(
        self,
        conversation_id: int,
        leaf_id: int | None = None,
        limit: int | None = None,
        before_id: int | None = None,
    ) -> list[Message]:
        """The path from the root to `leaf_id` (the current message when None), root first:
        its last `limit` messages (all when None), or those just above `before_id` (the
        earlier page of the same path). Empty for a message of another conversation."""
        if limit is not None and limit <= 0:
            return []
        args = {
            "conversation": conversation_id,
            "limit": MAX_DEPTH if limit is None else limit,
            "leaf": leaf_id,
            "before": before_id,
        }
        if before_id is not None:
            sql = EARLIER_PATH_SQL
        else:
            sql = CURRENT_PATH_SQL if leaf_id is None else PATH_SQL
        with self._errors("load messages"):
            rows = self._db.execute(sql, args).fetchall()
        return self._parse(rows, message_from_row)

    def read_messages(self, conversation_id: int) -> list[Message]:
        """The conversation's whole current path, root first, over a short-lived read connection
        of its own, so it may run in a worker thread while the main thread uses the store."""
        args = {"conversation": conversation_id, "limit": MAX_DEPTH}
        with self._errors("load messages"), self._reader() as conn:
            rows = conn.execute(CURRENT_PATH_SQL, args).fetchall()
        return self._parse(rows, message_from_row)

    def count_messages(self, conversation_id: int) -> int:
        """How many messages the conversation's current path holds."""
        args = {"conversation": conversation_id, "limit": MAX_DEPTH}
        with self._errors("count messages"):
            return int(self._db.execute(CURRENT_PATH_LENGTH_SQL, args).fetchone()[0])

    def add_message(self, message: Message) -> Message:
        """Save a new message as a reply to `message.parent_id`, or when that is None to the
        conversation's current message (a root in an empty conversation). The new message
        becomes the current one; returns it with `id`, `created_at` and `parent_id` set."""
        return self._insert(message, message.parent_id, follow_current=message.parent_id is None)

    def add_child(self, message: Message, parent_id: int | None) -> Message:
        """Save a new message as a reply to `parent_id` (a new root when None: e.g. an edit of
        the first message). It becomes the current one; returns it with its ids set.

        Raises ValueError when `parent_id` is not a message of the same conversation.
        """
        return self._insert(message, parent_id, follow_current=False)

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
        """Delete one message. Its replies follow its parent instead, and when it was the
        conversation's current message, its parent becomes the current one."""
        with self._errors("delete a message"), self._write() as db:
            row = db.execute(
                "SELECT conversation_id, parent_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return
            conversation_id, parent_id = row
            db.execute(
                "UPDATE messages SET parent_id = ? WHERE parent_id = ? AND conversation_id = ?",
                (parent_id, message_id, conversation_id),
            )
            db.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            db.execute(
                "UPDATE conversations SET current_leaf_id = ? WHERE id = ? AND current_leaf_id = ?",
                (parent_id, conversation_id, message_id),
            )

    def _insert(self, message: Message, parent_id: int | None, *, follow_current: bool) -> Message:
        if message.id is not None:
            raise ValueError(f"message {message.id} is already saved; use update_message")
        created = message.created_at or time.time()
        fields = _mutable_fields(message)
        conversation_id = message.conversation_id
        with self._errors("save a message"), self._write() as db:
            if follow_current:
                row = db.execute(CURRENT_SQL, {"conversation": conversation_id}).fetchone()
                parent_id = None if row is None else row[0]
            elif parent_id is not None:
                _check_parent(db.execute, parent_id, conversation_id)
            cursor = db.execute(
                "INSERT INTO messages (conversation_id, role, content_json, status, model, "
                "stop_reason, stop_details_json, usage_json, error, search_text, created_at, "
                "parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, str(message.role), *fields, created, parent_id),
            )
            new_id = rowid(cursor)
            db.execute(
                "UPDATE conversations SET updated_at = max(updated_at, ?), current_leaf_id = ? "
                "WHERE id = ?",
                (created, new_id, conversation_id),
            )
        return replace(message, id=new_id, created_at=created, parent_id=parent_id)


def _check_parent(execute: Any, parent_id: int, conversation_id: int) -> None:
    row = execute("SELECT conversation_id FROM messages WHERE id = ?", (parent_id,)).fetchone()
    if row is None or int(row[0]) != conversation_id:
        raise ValueError(f"message {parent_id} is not in conversation {conversation_id}")


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


def message_from_row(row: tuple[Any, ...]) -> Message:
    """A message from the columns in `MESSAGE_COLUMNS` order."""
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
        parent_id=None if row[11] is None else int(row[11]),
    )
