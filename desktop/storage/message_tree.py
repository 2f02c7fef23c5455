"""Branches of a conversation in the history database: variants, the current message, the tree.

Siblings (replies to one message, or a conversation's roots) are variants of each other, in
creation order (by id). See `desktop.storage.messages` for adding and the paths.
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop.core.conversation import Message
from desktop.core.tree import Variants
from desktop.storage.messages import (
    CURRENT_SQL,
    M_COLUMNS,
    MAX_DEPTH,
    message_from_row,
)
from desktop.storage.store_base import StoreBase

VARIANTS_SQL = (
    "SELECT s.id, c.id FROM messages AS s JOIN messages AS c "
    "ON c.parent_id IS s.parent_id AND c.conversation_id = s.conversation_id "
    "WHERE s.id IN ({marks}) ORDER BY s.id, c.id"
)
LEAF_SQL = (
    "WITH RECURSIVE down(id, depth) AS ("
    " SELECT id, 0 FROM messages WHERE id = :start AND conversation_id = :conversation"
    " UNION ALL"
    " SELECT (SELECT max(c.id) FROM messages AS c"
    "  WHERE c.parent_id = down.id AND c.conversation_id = :conversation), down.depth + 1"
    " FROM down WHERE down.id IS NOT NULL AND down.depth < :limit"
    ") SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1"
)
"""The leaf reached from `start` by following the latest reply at each step."""
TREE_SQL = f"SELECT {M_COLUMNS} FROM messages AS m WHERE m.conversation_id = ? ORDER BY m.id"


class MessageTreeMixin(StoreBase):
    """Variants of messages, the conversation's current message, and its whole tree."""

    def siblings(self, message_id: int) -> Variants | None:
        """The message's variants (itself included) and its place among them; None when it
        does not exist."""
        return self.variants([message_id]).get(message_id)

    def variants(self, message_ids: Sequence[int]) -> dict[int, Variants]:
        """`siblings` of many messages in one query (e.g. every message of a shown page)."""
        ids = list(dict.fromkeys(message_ids))
        if not ids:
            return {}
        found: dict[int, list[int]] = {}
        with self._errors("read the variants of messages"):
            for start in range(0, len(ids), 500):  # under SQLite's limit of bound parameters
                chunk = ids[start : start + 500]
                sql = VARIANTS_SQL.format(marks=", ".join("?" * len(chunk)))
                for of, sibling in self._db.execute(sql, chunk):
                    found.setdefault(int(of), []).append(int(sibling))
        return {of: Variants(tuple(sibs), sibs.index(of)) for of, sibs in found.items()}

    def current_leaf(self, conversation_id: int) -> int | None:
        """The message at the bottom of what the conversation shows (None when it is empty)."""
        with self._errors("read a conversation"):
            row = self._db.execute(CURRENT_SQL, {"conversation": conversation_id}).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def set_current_leaf(self, conversation_id: int, message_id: int) -> int | None:
        """Show the branch through `message_id`: the leaf reached from it by the latest reply
        at each step becomes the current message. Returns that leaf; None (and nothing
        changes) when the message is not in the conversation."""
        args = {"start": message_id, "conversation": conversation_id, "limit": MAX_DEPTH}
        with self._errors("switch branches"), self._write() as db:
            row = db.execute(LEAF_SQL, args).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
                (int(row[0]), conversation_id),
            )
        return int(row[0])

    def read_tree(self, conversation_id: int) -> list[Message]:
        """Every message of the conversation, all branches, oldest first (parents before
        their replies); over a read connection of its own, so a worker thread may call it."""
        with self._errors("load messages"), self._reader() as conn:
            rows = conn.execute(TREE_SQL, (conversation_id,)).fetchall()
        return self._parse(rows, message_from_row)
