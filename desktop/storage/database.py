"""Conversation history in SQLite: conversations, messages (a tree), documents, FTS5 search.

`SqliteConversationStore` is put together from one mixin per concern, each in its own module:
`conversations`, `messages` (adding, saving, the path a conversation shows), `message_tree`
(variants, switching branches, the whole tree), `branches` (Branch from here: a path copied
into a new conversation), `context_documents`, and `usage_search`
(usage sums, search, blob references), over `store_base` (connection, transactions, errors).

Everything runs on the main thread and each call is small (a single indexed query or one
short write transaction), except `read_messages`, `read_tree` and `usage_records`: they open a
read connection of their own and are meant for a worker thread. Every sqlite3 error leaves
this module as a `StorageError` (`DatabaseCorruptError` or `DatabaseLockedError` where that is
what happened) with a message that names the file and says what to do.
"""

from __future__ import annotations

from desktop.storage.branches import BranchesMixin
from desktop.storage.context_documents import DocumentsMixin
from desktop.storage.conversations import NEW_TITLE, ConversationsMixin
from desktop.storage.message_tree import MessageTreeMixin
from desktop.storage.messages import CURRENT_PATH_SQL, PATH_SQL, MessagesMixin
from desktop.storage.usage_search import UsageSearchMixin, fts_query

__all__ = ["CURRENT_PATH_SQL", "NEW_TITLE", "PATH_SQL", "SqliteConversationStore", "fts_query"]


class SqliteConversationStore(
    ConversationsMixin,
    MessagesMixin,
    MessageTreeMixin,
    BranchesMixin,
    DocumentsMixin,
    UsageSearchMixin,
):
    """`ConversationStore` over one SQLite file. Raises only `StorageError` (and subclasses)."""
