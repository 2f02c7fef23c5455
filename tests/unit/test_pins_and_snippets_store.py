"""Pinned conversations and search snippets in SQLite: the migration, the list's order and its
pages with pins, and what a search result carries (the matching message, a marked snippet)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.conversation import Conversation, ConversationSettings, Message, Role
from desktop.core.search import (
    MARK_END,
    MARK_START,
    ConversationHit,
    marked_terms,
    one_line,
    plain_snippet,
    snippet_pieces,
)
from desktop.storage.database import SqliteConversationStore
from desktop.storage.migrations import MIGRATIONS, SCHEMA_VERSION
from desktop.storage.paths import AppPaths

BEFORE_PINS = 4
"""The schema before pins (migrations are never edited, only appended)."""


@pytest.fixture
def db_path() -> Path:
    return AppPaths.resolve().ensure().database_path


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteConversationStore]:
    with SqliteConversationStore(db_path) as opened:
        yield opened


def say(store: SqliteConversationStore, conversation_id: int, role: Role, text: str) -> int:
    message = store.add_message(Message(conversation_id, role, [{"type": "text", "text": text}]))
    assert message.id is not None
    return message.id


def make(store: SqliteConversationStore, count: int) -> list[int]:
    """`count` conversations, each updated after the one before; ids oldest first."""
    ids = []
    for number in range(count):
        conv = store.create_conversation(ConversationSettings())
        store.rename_conversation(conv.id, f"Talk {number}")
        say(store, conv.id, Role.USER, f"message {number}")
        ids.append(conv.id)
    return ids


def pages(read: object, size: int) -> list[Conversation]:
    """Every conversation `read(limit, after)` lists, a page of `size` at a time."""
    assert callable(read)
    seen: list[Conversation] = []
    page = read(size, None)
    while page:
        seen += page
        page = read(size, page[-1])
    return seen


# -- migration ------------------------------------------------------------------------------


def test_a_database_from_before_pins_is_migrated_with_nothing_pinned(db_path: Path) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    for number, migration in enumerate(MIGRATIONS[:BEFORE_PINS], start=1):
        migration(conn)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO conversations (id, title, created_at, updated_at) VALUES "
        "(1, 'old', 0, 1), (2, 'newer', 0, 2)"
    )
    conn.close()

    with SqliteConversationStore(db_path) as store:
        version = store._db.execute("PRAGMA user_version").fetchone()[0]
        listed = store.list_conversations()
        store.set_pinned(1, True)
        after_pin = store.list_conversations()

    assert version == SCHEMA_VERSION > BEFORE_PINS
    assert [(c.id, c.pinned) for c in listed] == [(2, False), (1, False)]
    assert [(c.id, c.pinned) for c in after_pin] == [(1, True), (2, False)]


# -- the list -------------------------------------------------------------------------------


def test_pinned_conversations_come_first_and_unpinning_puts_one_back_by_date(
    store: SqliteConversationStore,
) -> None:
    ids = make(store, 5)
    updated = {c.id: c.updated_at for c in store.list_conversations()}
    store.set_pinned(ids[1], True)
    store.set_pinned(ids[3], True)

    listed = store.list_conversations()
    assert [c.id for c in listed] == [ids[3], ids[1], ids[4], ids[2], ids[0]]
    assert [c.pinned for c in listed] == [True, True, False, False, False]
    assert {c.id: c.updated_at for c in listed} == updated  # pinning is not an update

    store.set_pinned(ids[3], False)
    assert [c.id for c in store.list_conversations()] == [ids[1], ids[4], ids[3], ids[2], ids[0]]


def test_pages_cross_from_pinned_to_unpinned_without_losing_or_repeating_one(
    store: SqliteConversationStore,
) -> None:
    ids = make(store, 9)
    for number in (0, 4, 5):
        store.set_pinned(ids[number], True)
    say(store, ids[0], Role.ASSISTANT, "a pinned one gets newer")  # still among the pinned

    whole = store.list_conversations()
    for size in (1, 2, 3, 4):
        paged = pages(lambda limit, after: store.list_conversations(limit, after), size)
        assert [c.id for c in paged] == [c.id for c in whole]
    assert [c.id for c in whole[:3]] == [ids[0], ids[5], ids[4]]


# -- search ---------------------------------------------------------------------------------


def test_a_result_carries_its_latest_matching_message_and_a_marked_snippet(
    store: SqliteConversationStore,
) -> None:
    conv = store.create_conversation(ConversationSettings())
    say(store, conv.id, Role.USER, "Tell me about pelicans.")
    latest = say(store, conv.id, Role.ASSISTANT, "Sure.\n\nA Pelican eats fish; pelicans fly low.")
    say(store, conv.id, Role.USER, "Thanks!")
    titled = store.create_conversation(ConversationSettings())
    store.rename_conversation(titled.id, "Pelican pictures")

    found = store.search_conversations("pelican")

    assert [c.id for c in found] == [titled.id, conv.id]
    assert all(isinstance(c, ConversationHit) for c in found)
    title_only, hit = found
    assert (title_only.message_id, title_only.snippet, title_only.terms) == (None, "", ())
    assert hit.message_id == latest
    assert f"{MARK_START}Pelican{MARK_END} eats fish" in hit.snippet
    assert plain_snippet(hit.snippet) == one_line("Sure. A Pelican eats fish; pelicans fly low.")
    assert hit.terms == ("Pelican", "pelicans")  # as written, each once


def test_search_results_list_pinned_first_and_page_across_them(
    store: SqliteConversationStore,
) -> None:
    ids = make(store, 8)
    for conversation_id in ids:
        say(store, conversation_id, Role.ASSISTANT, "about herons")
    store.set_pinned(ids[2], True)
    store.set_pinned(ids[6], True)

    whole = store.search_conversations("heron")
    paged = pages(lambda limit, after: store.search_conversations("heron", limit, after), 3)

    assert [c.id for c in whole[:2]] == [ids[6], ids[2]]
    assert [c.id for c in whole[2:]] == [i for i in reversed(ids) if i not in (ids[2], ids[6])]
    assert [c.id for c in paged] == [c.id for c in whole]
    assert all(c.snippet and c.message_id for c in paged)


# -- snippet pieces -------------------------------------------------------------------------


def test_a_snippet_splits_into_plain_and_marked_runs() -> None:
    snippet = f"…the {MARK_START}pelican{MARK_END} and {MARK_START}fish{MARK_END}"
    assert snippet_pieces(snippet) == [
        ("…the ", False),
        ("pelican", True),
        (" and ", False),
        ("fish", True),
    ]
    assert snippet_pieces(f"stray {MARK_START}mark") == [("stray mark", False)]
    assert snippet_pieces("") == []
    marked = f"{MARK_START}A{MARK_END} {MARK_START}a{MARK_END} {MARK_START}b{MARK_END}"
    assert marked_terms(marked) == ("A", "b")
