"""Reads across the history: usage sums, full-text search, and the blobs messages refer to."""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING, Any

from desktop.core.conversation import Conversation, Usage
from desktop.core.search import MARK_END, MARK_START, ConversationHit, marked_terms, one_line
from desktop.storage.conversations import (
    AFTER_CLAUSE,
    CONVERSATION_COLUMNS,
    LIST_ORDER,
    after_params,
    conversation_from_row,
)
from desktop.storage.store_base import StoreBase

if TYPE_CHECKING:  # the spending modules load when usage is first read (startup)
    from desktop.core.spend import UsageRecord

_BLOB_REF = re.compile(r'"sha256":\s*"([0-9a-f]{64})"')
_USAGE_SUMS = ", ".join(f"total(json_extract(usage_json, '$.{name}'))" for name in Usage.__slots__)
USAGE_BY_MODEL_SQL = (
    f"SELECT model, {_USAGE_SUMS} FROM messages WHERE conversation_id = ? "
    "AND usage_json IS NOT NULL AND model IS NOT NULL GROUP BY model"
)
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

LATEST_MATCH_SQL = (
    "SELECT conversation_id, max(id) FROM messages WHERE conversation_id IN ({ids}) "
    "AND id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?) "
    "GROUP BY conversation_id"
)
SNIPPET_SQL = (
    f"SELECT rowid, snippet(messages_fts, 0, '{MARK_START}', '{MARK_END}', '…', {{words}}), "
    f"highlight(messages_fts, 0, '{MARK_START}', '{MARK_END}') "
    "FROM messages_fts WHERE messages_fts MATCH ? AND rowid IN ({ids})"
)
SNIPPET_WORDS = 12
"""Words of a result's snippet, around the match (FTS5's `snippet()` allows up to 64)."""

_Snippet = tuple[int, str, tuple[str, ...]]  # message id, snippet, matched words


def fts_query(query: str) -> str | None:
    """An FTS5 query matching every word of `query` (in any order, stemmed, no prefixes).

    Each word is quoted, so FTS syntax in user input (``"``, ``*``, ``AND``, ``(``, ``:``)
    is searched for as text rather than parsed. None when there is nothing to search for.
    """
    terms = [f'"{term}"' for term in re.findall(r"\w+", query)]
    return " ".join(terms) if terms else None


class UsageSearchMixin(StoreBase):
    """Sums, search and blob references over every stored message, whatever its branch."""

    def usage_by_model(self, conversation_id: int) -> dict[str, Usage]:
        """Token counts of a conversation's answers summed per model, computed inside SQLite.

        Every stored answer counts, on every branch (regenerated variants and answers after
        an edit included): each was paid for, whichever the conversation shows now.
        """
        with self._errors("sum the conversation's usage"):
            rows = self._db.execute(USAGE_BY_MODEL_SQL, (conversation_id,)).fetchall()
        fields = Usage.__slots__
        return {
            str(row[0]): Usage(**{n: int(v) for n, v in zip(fields, row[1:], strict=True)})
            for row in rows
        }

    def usage_records(self) -> list[UsageRecord]:
        """Answers' usage summed per local day and model (chat answers: ``batch=False``);
        every stored answer on every branch counts.

        Opens its own short-lived read connection, so it may run in a worker thread while
        the main thread keeps using the store.
        """
        with self._errors("sum spending"), self._reader() as conn:
            rows = conn.execute(USAGE_RECORDS_SQL).fetchall()
        return self._parse(rows, _usage_record)

    def matching_conversations(self, query: str) -> set[int]:
        """Ids of every conversation with a message containing every word of `query`.

        Words match whole (with English stemming: "pelicans" finds "pelican"), in any order.
        Messages on every branch are searched, not only the path a conversation shows.
        """
        match = fts_query(query)
        if match is None:
            return set()
        with self._errors("search the history"):
            rows = self._db.execute(MATCHING_CONVERSATIONS_SQL, (match,)).fetchall()
        return {int(row[0]) for row in rows}

    def search_conversations(
        self, query: str, limit: int | None = None, after: Conversation | None = None
    ) -> list[ConversationHit]:
        """Conversations whose title holds `query` (any case) or whose messages hold every
        word of it, pinned first then newest first, paged as `list_conversations` is; each
        with its latest matching message and a snippet of it (`ConversationHit`).

        Reads over a connection of its own, so it may run in a worker thread while the main
        thread uses the store (a common word over a long history takes a while).
        """
        clauses = ["instr(casefold(title), ?) > 0"]
        params: list[str | float] = [query.casefold()]
        match = fts_query(query)
        if match is not None:
            clauses.append(f"id IN ({MATCHING_CONVERSATIONS_SQL})")
            params.append(match)
        where = f"({' OR '.join(clauses)})"
        if after is not None:  # keyset paging, as list_conversations
            where += f" AND {AFTER_CLAUSE}"
            params += after_params(after)
        sql = f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE {where} {LIST_ORDER} LIMIT ?"
        with self._errors("search the history"), self._reader() as conn:
            conn.create_function("casefold", 1, _casefold, deterministic=True)
            rows = conn.execute(sql, (*params, -1 if limit is None else limit)).fetchall()
            found = self._parse(rows, conversation_from_row)
            snippets = {} if match is None else _snippets(conn, match, [c.id for c in found])
        return [_hit(conversation, snippets.get(conversation.id)) for conversation in found]

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


def _snippets(conn: sqlite3.Connection, match: str, ids: list[int]) -> dict[int, _Snippet]:
    """For each conversation of `ids` with a matching message: its latest matching message,
    a snippet of it and the words that matched, by conversation id."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    latest = conn.execute(LATEST_MATCH_SQL.format(ids=marks), (*ids, match)).fetchall()
    conversation_of = {int(message_id): int(cid) for cid, message_id in latest}
    if not conversation_of:
        return {}
    marks = ", ".join("?" * len(conversation_of))
    sql = SNIPPET_SQL.format(words=SNIPPET_WORDS, ids=marks)
    found: dict[int, _Snippet] = {}
    for message_id, snippet, highlighted in conn.execute(sql, (match, *conversation_of)):
        terms = marked_terms(str(highlighted or ""))
        snippet_line = one_line(str(snippet or ""))
        found[conversation_of[int(message_id)]] = (int(message_id), snippet_line, terms)
    return found


def _hit(conversation: Conversation, snippet: _Snippet | None) -> ConversationHit:
    c = conversation
    hit = ConversationHit(c.id, c.title, c.created_at, c.updated_at, c.settings, c.pinned)
    if snippet is not None:
        hit.message_id, hit.snippet, hit.terms = snippet
    return hit


def _casefold(text: str | None) -> str | None:
    return text.casefold() if isinstance(text, str) else text


def _usage_record(row: tuple[Any, ...]) -> UsageRecord:
    from desktop.core.spend import UsageRecord

    counts = {n: int(v) for n, v in zip(Usage.__slots__, row[3:], strict=True)}
    usage = Usage(**counts)  # answers, and the extra requests of their tool loops
    return UsageRecord(str(row[0]), str(row[1]), usage, False, int(row[2]) + usage.extra_requests)
