"""Conversations in the history database: list (keyset pages), create, rename, settings, delete."""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any

from desktop.core.conversation import Conversation, ConversationSettings
from desktop.storage.store_base import StoreBase, rowid

NEW_TITLE = "New conversation"

CONVERSATION_COLUMNS = "id, title, created_at, updated_at, settings_json, pinned_at IS NOT NULL"
LIST_ORDER = "ORDER BY (pinned_at IS NOT NULL) DESC, updated_at DESC, id DESC"
"""Pinned conversations first, then the most recently updated (the `conversations_by_pin`
index); `AFTER_CLAUSE` pages through it."""
AFTER_CLAUSE = "((pinned_at IS NOT NULL), updated_at, id) < (?, ?, ?)"


def after_params(after: Conversation) -> tuple[int, float, int]:
    """The parameters of `AFTER_CLAUSE`: the list's key of the last conversation shown."""
    return (int(after.pinned), after.updated_at, after.id)


class ConversationsMixin(StoreBase):
    """Conversations; deleting one deletes its messages and documents (foreign keys)."""

    def list_conversations(
        self, limit: int | None = None, after: Conversation | None = None
    ) -> list[Conversation]:
        """Pinned first, then most recently updated first: all, or `limit` of them listed
        after `after`."""
        where = ""
        params: tuple[float, ...] = ()
        if after is not None:  # keyset paging: the conversations listed after `after`
            where = f"WHERE {AFTER_CLAUSE} "
            params = after_params(after)
        with self._errors("read the conversation list"):
            rows = self._db.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations {where}{LIST_ORDER} LIMIT ?",
                (*params, -1 if limit is None else limit),
            ).fetchall()
        return self._parse(rows, conversation_from_row)

    def get_conversation(self, conversation_id: int) -> Conversation | None:
        with self._errors("read a conversation"):
            row = self._db.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
        return None if row is None else self._parse([row], conversation_from_row)[0]

    def create_conversation(self, settings: ConversationSettings) -> Conversation:
        now = time.time()
        settings_json = json.dumps(settings.to_dict())
        with self._errors("create a conversation"), self._write() as db:
            cursor = db.execute(
                "INSERT INTO conversations (title, created_at, updated_at, settings_json) "
                "VALUES (?, ?, ?, ?)",
                (NEW_TITLE, now, now, settings_json),
            )
            new_id = rowid(cursor)
        return Conversation(new_id, NEW_TITLE, now, now, settings.copy())

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        with self._errors("rename a conversation"), self._write() as db:
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        """Pin the conversation to the top of the list, or unpin it (its place by date again)."""
        with self._errors("pin a conversation"), self._write() as db:
            db.execute(
                "UPDATE conversations SET pinned_at = ? WHERE id = ?",
                (time.time() if pinned else None, conversation_id),
            )

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


def conversation_from_row(row: tuple[Any, ...]) -> Conversation:
    settings = _settings_from_json(row[4] or "{}").copy()
    pinned = bool(row[5])
    return Conversation(int(row[0]), str(row[1]), float(row[2]), float(row[3]), settings, pinned)


@lru_cache(maxsize=256)
def _settings_from_json(raw: str) -> ConversationSettings:
    """Parsed once per distinct JSON (most conversations share a few); callers get copies."""
    return ConversationSettings.from_dict(json.loads(raw))
