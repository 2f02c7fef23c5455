"""Branch from here: a new conversation holding the path up to one message of another.

The new conversation gets the settings and the documents of the old one, and a copy of each
message on the path (root first, each replying to the one before). Images and documents are
referenced by their blob hash, so they are shared, never duplicated. Copied answers keep
their text, model and outcome but not their usage: those tokens were paid for once, in the
conversation they were written in, and the Spend view counts them there.
"""

from __future__ import annotations

import json
import time

from desktop.core.conversation import Conversation, ConversationSettings
from desktop.storage.messages import MAX_DEPTH, PATH_IDS_SQL
from desktop.storage.store_base import StoreBase, rowid

_COPY_MESSAGE = (
    "INSERT INTO messages (id, conversation_id, role, content_json, status, model, "
    "stop_reason, stop_details_json, usage_json, error, search_text, created_at, parent_id) "
    "SELECT ?, ?, role, content_json, status, model, stop_reason, stop_details_json, NULL, "
    "error, search_text, created_at, ? FROM messages WHERE id = ?"
)
_COPY_DOCUMENTS = (
    "INSERT INTO documents (conversation_id, position, name, kind, sha256, byte_size, pages, "
    "tokens, tokens_exact, added_at) SELECT ?, position, name, kind, sha256, byte_size, pages, "
    "tokens, tokens_exact, added_at FROM documents WHERE conversation_id = ? ORDER BY position, id"
)


class BranchesMixin(StoreBase):
    """Copying a path of one conversation into a new one."""

    def branch_conversation(
        self, conversation_id: int, message_id: int, title: str
    ) -> Conversation:
        """A new conversation named `title` holding the path from the root to `message_id`
        (which becomes its current message), with the settings and documents of
        `conversation_id`. Raises ValueError when the message is not in that conversation."""
        now = time.time()
        path_args = {"conversation": conversation_id, "leaf": message_id, "limit": MAX_DEPTH}
        with self._errors("branch a conversation"), self._write() as db:
            row = db.execute(
                "SELECT settings_json FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            path = [int(r[0]) for r in db.execute(PATH_IDS_SQL, path_args)]
            if row is None or not path or path[-1] != message_id:
                raise ValueError(f"message {message_id} is not in conversation {conversation_id}")
            new_id = rowid(
                db.execute(
                    "INSERT INTO conversations (title, created_at, updated_at, settings_json) "
                    "VALUES (?, ?, ?, ?)",
                    (title, now, now, row[0]),
                )
            )
            db.execute(_COPY_DOCUMENTS, (new_id, conversation_id))
            first = int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0])
            db.executemany(  # ids grow along the path, as the tree expects
                _COPY_MESSAGE,
                [
                    (first + i, new_id, first + i - 1 if i else None, old)
                    for i, old in enumerate(path)
                ],
            )
            db.execute(
                "UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
                (first + len(path) - 1, new_id),
            )
        settings = self._parse(
            [row[0]], lambda raw: ConversationSettings.from_dict(json.loads(raw))
        )
        return Conversation(new_id, title, now, now, settings[0])
