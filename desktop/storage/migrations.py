"""Schema of the history database, as an ordered list of migrations.

``PRAGMA user_version`` holds how many migrations a database has had. Migration *n*
(1-based) takes a database from version *n - 1* to *n*. Never edit a released migration;
append a new one. Each runs inside the caller's transaction, so it applies fully or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]

_V1 = (
    """
    CREATE TABLE conversations (
        id            INTEGER PRIMARY KEY,
        title         TEXT    NOT NULL,
        created_at    REAL    NOT NULL,
        updated_at    REAL    NOT NULL,
        settings_json TEXT    NOT NULL DEFAULT '{}'
    )
    """,
    "CREATE INDEX conversations_by_update ON conversations (updated_at)",
    """
    CREATE TABLE messages (
        id                INTEGER PRIMARY KEY,
        conversation_id   INTEGER NOT NULL
                          REFERENCES conversations (id) ON DELETE CASCADE,
        role              TEXT    NOT NULL,
        content_json      TEXT    NOT NULL,
        status            TEXT    NOT NULL,
        model             TEXT,
        stop_reason       TEXT,
        stop_details_json TEXT,
        usage_json        TEXT,
        error             TEXT,
        created_at        REAL    NOT NULL,
        search_text       TEXT    NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX messages_by_conversation ON messages (conversation_id, id)",
    # Full-text index over the visible text; its content lives in messages.search_text.
    # Porter stemming lets "pelicans" find "pelican" without prefix queries, which are
    # slow on large histories (a short prefix merges thousands of terms).
    """
    CREATE VIRTUAL TABLE messages_fts USING fts5 (
        search_text,
        content = 'messages',
        content_rowid = 'id',
        tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END
    """,
    """
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END
    """,
    """
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF search_text ON messages
    WHEN old.search_text IS NOT new.search_text BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO messages_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END
    """,
)


def _v1_initial_schema(conn: sqlite3.Connection) -> None:
    for statement in _V1:
        conn.execute(statement)


def _v2_documents(conn: sqlite3.Connection) -> None:
    """Documents kept as a conversation's context, in the order they are sent."""
    conn.execute(
        """
        CREATE TABLE documents (
            id              INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL
                            REFERENCES conversations (id) ON DELETE CASCADE,
            position        INTEGER NOT NULL,
            name            TEXT    NOT NULL,
            kind            TEXT    NOT NULL,
            sha256          TEXT    NOT NULL,
            byte_size       INTEGER NOT NULL,
            pages           INTEGER,
            tokens          INTEGER NOT NULL,
            tokens_exact    INTEGER NOT NULL DEFAULT 0,
            added_at        REAL    NOT NULL
        )
        """
    )
    conn.execute("CREATE INDEX documents_by_conversation ON documents (conversation_id, position)")


_V3_BATCHES = (
    # Message Batches: what was sent (shared settings + one row per request) and what came back.
    """
    CREATE TABLE batches (
        id            TEXT PRIMARY KEY,
        title         TEXT NOT NULL,
        model         TEXT NOT NULL,
        settings_json TEXT NOT NULL DEFAULT '{}',
        status        TEXT NOT NULL,
        counts_json   TEXT NOT NULL DEFAULT '{}',
        created_at    REAL NOT NULL,
        expires_at    REAL,
        ended_at      REAL,
        results_saved INTEGER NOT NULL DEFAULT 0,
        notified      INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE batch_requests (
        batch_id    TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        custom_id   TEXT NOT NULL,
        prompt      TEXT NOT NULL,
        params_json TEXT NOT NULL,
        PRIMARY KEY (batch_id, custom_id)
    )
    """,
    """
    CREATE TABLE batch_results (
        batch_id      TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        custom_id     TEXT NOT NULL,
        kind          TEXT NOT NULL,
        text          TEXT NOT NULL DEFAULT '',
        model         TEXT,
        stop_reason   TEXT,
        usage_json    TEXT,
        error_type    TEXT,
        error_message TEXT,
        content_json  TEXT,
        PRIMARY KEY (batch_id, custom_id)
    )
    """,
)


def _v3_batches(conn: sqlite3.Connection) -> None:
    for statement in _V3_BATCHES:
        conn.execute(statement)


_V4_TREE = (
    # Edits and regenerations make siblings: each message names the one it follows. The store
    # keeps it whole (a parent is checked on insert; a deleted message's replies move to its
    # parent); no foreign key, which made deleting a conversation ~60 % slower.
    "ALTER TABLE messages ADD COLUMN parent_id INTEGER",
    # History written before the tree is one path per conversation, in id order
    # (~1.3 s once for 200,000 messages of 800 characters, which rewrites every row).
    """
    UPDATE messages SET parent_id = earlier.id FROM (
        SELECT lead(id) OVER (PARTITION BY conversation_id ORDER BY id) AS next, id
        FROM messages
    ) AS earlier
    WHERE messages.id = earlier.next
    """,
    # Replies of a message in creation order (and a conversation's roots: parent_id NULL).
    "CREATE INDEX messages_by_parent ON messages (parent_id, conversation_id, id)",
    # The message at the bottom of what the conversation shows (NULL: its latest message).
    "ALTER TABLE conversations ADD COLUMN current_leaf_id INTEGER",
    """
    UPDATE conversations SET current_leaf_id = (
        SELECT max(m.id) FROM messages AS m WHERE m.conversation_id = conversations.id
    )
    """,
)


def _v4_message_tree(conn: sqlite3.Connection) -> None:
    for statement in _V4_TREE:
        conn.execute(statement)


_V5_PINS = (
    # Pinned conversations come first in the list (NULL: not pinned; else when it was pinned).
    "ALTER TABLE conversations ADD COLUMN pinned_at REAL",
    # The list's order and keyset pages: pinned first, then the most recently updated.
    "CREATE INDEX conversations_by_pin ON conversations ((pinned_at IS NOT NULL), updated_at, id)",
)


def _v5_pinned_conversations(conn: sqlite3.Connection) -> None:
    for statement in _V5_PINS:
        conn.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (
    _v1_initial_schema,
    _v2_documents,
    _v3_batches,
    _v4_message_tree,
    _v5_pinned_conversations,
)
"""Every migration in order; `len(MIGRATIONS)` is the current schema version."""

SCHEMA_VERSION = len(MIGRATIONS)
