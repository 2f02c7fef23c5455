"""SqliteConversationStore against real temporary database files."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.conversation import (
    ConversationSettings,
    Message,
    MessageStatus,
    Role,
    ThinkingSettings,
    Usage,
    text_block,
)
from desktop.core.errors import StorageError
from desktop.core.ports import ConversationStore
from desktop.storage.database import (
    CURRENT_PATH_SQL,
    SqliteConversationStore,
    fts_query,
)
from desktop.storage.migrations import SCHEMA_VERSION
from desktop.storage.paths import AppPaths
from desktop.storage.sqlite import DatabaseCorruptError, DatabaseLockedError


@pytest.fixture
def db_path() -> Path:
    return AppPaths.resolve().ensure().database_path


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteConversationStore]:
    with SqliteConversationStore(db_path) as opened:
        yield opened


def user(conversation_id: int, text: str) -> Message:
    return Message(conversation_id, Role.USER, [text_block(text)])


def add_texts(store: SqliteConversationStore, conversation_id: int, *texts: str) -> list[Message]:
    return [store.add_message(user(conversation_id, text)) for text in texts]


def test_satisfies_the_port(store: SqliteConversationStore) -> None:
    port: ConversationStore = store
    assert port.list_conversations() == []


# -- schema -------------------------------------------------------------------------------


def test_new_database_is_migrated_with_wal_and_large_pages(
    store: SqliteConversationStore, db_path: Path
) -> None:
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA page_size").fetchone()[0] == 16384
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    finally:
        raw.close()
    assert {"conversations", "messages", "messages_fts"} <= names
    assert {"messages_by_conversation", "conversations_by_update"} <= names


def test_foreign_keys_are_on(store: SqliteConversationStore) -> None:
    assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_reopening_keeps_data_and_does_not_migrate_again(db_path: Path) -> None:
    with SqliteConversationStore(db_path) as first:
        conv = first.create_conversation(ConversationSettings(model="claude-x"))
        first.rename_conversation(conv.id, "Kept")
        add_texts(first, conv.id, "still here")

    with SqliteConversationStore(db_path) as second:
        [again] = second.list_conversations()
        assert again.title == "Kept"
        assert again.settings.model == "claude-x"
        assert [m.text for m in second.load_messages(conv.id)] == ["still here"]


def test_database_from_a_newer_version_is_refused(db_path: Path) -> None:
    SqliteConversationStore(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()

    with pytest.raises(StorageError, match="newer version of Claude Desk"):
        SqliteConversationStore(db_path)


# -- conversations --------------------------------------------------------------------------


def test_create_conversation_gets_default_title_and_settings(
    store: SqliteConversationStore,
) -> None:
    settings = ConversationSettings(
        model="claude-sonnet-4-6",
        system_prompt="Be brief.",
        max_tokens=1234,
        thinking=ThinkingSettings(enabled=True, effort="high", show_summaries=False),
    )

    created = store.create_conversation(settings)
    settings.system_prompt = "changed after the call"

    assert created.title == "New conversation"
    assert created.created_at == created.updated_at > 0
    [listed] = store.list_conversations()
    assert listed.id == created.id
    assert listed.settings.system_prompt == "Be brief."
    assert listed.settings.thinking == ThinkingSettings(True, "high", False)
    assert created.settings == listed.settings


def test_rename_and_update_settings(store: SqliteConversationStore) -> None:
    conv = store.create_conversation(ConversationSettings())

    store.rename_conversation(conv.id, "Trip to Lisbon")
    store.update_settings(conv.id, ConversationSettings(model="claude-haiku-4-5", max_tokens=99))

    reloaded = store.get_conversation(conv.id)
    assert reloaded is not None
    assert reloaded.title == "Trip to Lisbon"
    assert (reloaded.settings.model, reloaded.settings.max_tokens) == ("claude-haiku-4-5", 99)
    assert store.get_conversation(conv.id + 1000) is None


def test_list_is_newest_first_and_a_message_bumps_its_conversation(
    store: SqliteConversationStore,
) -> None:
    first = store.create_conversation(ConversationSettings())
    second = store.create_conversation(ConversationSettings())
    third = store.create_conversation(ConversationSettings())
    assert [c.id for c in store.list_conversations()] == [third.id, second.id, first.id]

    added = store.add_message(user(first.id, "hello again"))

    listed = store.list_conversations()
    assert [c.id for c in listed] == [first.id, third.id, second.id]
    assert listed[0].updated_at == added.created_at


def test_delete_conversation_cascades_to_messages_and_search(
    store: SqliteConversationStore,
) -> None:
    doomed = store.create_conversation(ConversationSettings())
    kept = store.create_conversation(ConversationSettings())
    add_texts(store, doomed.id, "pelican one", "pelican two")
    add_texts(store, kept.id, "pelican three")

    store.delete_conversation(doomed.id)

    assert [c.id for c in store.list_conversations()] == [kept.id]
    assert store.count_messages(doomed.id) == 0
    assert store._db.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    assert store.matching_conversations("pelican") == {kept.id}


def test_list_pages_follow_each_other_without_gaps_even_on_equal_times(
    store: SqliteConversationStore,
) -> None:
    created = [store.create_conversation(ConversationSettings()) for _ in range(7)]
    store._db.execute(
        "UPDATE conversations SET updated_at = 5.0 WHERE id IN (?, ?, ?)",
        (created[1].id, created[2].id, created[3].id),
    )
    everything = store.list_conversations()

    pages, after = [], None
    while page := store.list_conversations(limit=3, after=after):
        pages.append(page)
        after = page[-1]

    assert [len(p) for p in pages] == [3, 3, 1]
    assert [c.id for p in pages for c in p] == [c.id for c in everything]


def test_1000_conversations_list_newest_first(store: SqliteConversationStore) -> None:
    """(How fast, against a plain SELECT of the same rows: tests/bench/test_core_speed.py.)"""
    settings = ConversationSettings()
    for _ in range(1000):
        store.create_conversation(settings)

    listed = store.list_conversations()

    assert len(listed) == 1000
    assert [c.id for c in listed] == sorted((c.id for c in listed), reverse=True)


# -- messages -----------------------------------------------------------------------------


def test_add_message_sets_id_and_time_and_round_trips_every_field(
    store: SqliteConversationStore,
) -> None:
    conv = store.create_conversation(ConversationSettings())
    answer = Message(
        conv.id,
        Role.ASSISTANT,
        [{"type": "thinking", "thinking": "hmm", "signature": "sig"}, text_block("Olá ✓")],
        status=MessageStatus.FAILED,
        model="claude-opus-4-8",
        stop_reason="refusal",
        stop_details={"type": "refusal", "category": "cyber"},
        usage=Usage(input_tokens=10, output_tokens=20, cache_read_input_tokens=5),
        error="Claude is overloaded",
    )

    saved = store.add_message(answer)

    assert saved.id is not None
    assert saved.created_at > 0
    assert answer.id is None  # the argument is not changed
    [loaded] = store.load_messages(conv.id)
    assert loaded == saved


def test_add_message_keeps_a_given_created_at(store: SqliteConversationStore) -> None:
    conv = store.create_conversation(ConversationSettings())
    message = user(conv.id, "from an import")
    message.created_at = 1_700_000_000.0

    assert store.add_message(message).created_at == 1_700_000_000.0


def test_add_message_to_a_missing_conversation_is_a_storage_error(
    store: SqliteConversationStore,
) -> None:
    with pytest.raises(StorageError):
        store.add_message(user(424242, "orphan"))


def test_saved_messages_cannot_be_added_twice(store: SqliteConversationStore) -> None:
    conv = store.create_conversation(ConversationSettings())
    saved = store.add_message(user(conv.id, "once"))

    with pytest.raises(ValueError, match="already saved"):
        store.add_message(saved)
    with pytest.raises(ValueError, match="no id"):
        store.update_message(user(conv.id, "never added"))


def test_load_messages_last_n_oldest_first(store: SqliteConversationStore) -> None:
    conv = store.create_conversation(ConversationSettings())
    other = store.create_conversation(ConversationSettings())
    add_texts(store, conv.id, *[f"message {i}" for i in range(10)])
    add_texts(store, other.id, "elsewhere")

    assert [m.text for m in store.load_messages(conv.id, limit=3)] == [
        "message 7",
        "message 8",
        "message 9",
    ]
    assert len(store.load_messages(conv.id)) == 10
    assert len(store.load_messages(conv.id, limit=50)) == 10
    assert store.load_messages(conv.id, limit=0) == []
    assert store.count_messages(conv.id) == 10
    assert store.count_messages(other.id) == 1


def test_read_messages_works_from_a_worker_thread(store: SqliteConversationStore) -> None:
    import threading

    conv = store.create_conversation(ConversationSettings())
    other = store.create_conversation(ConversationSettings())
    add_texts(store, conv.id, "one", "two")
    add_texts(store, other.id, "elsewhere")
    found: list[Message] = []
    worker = threading.Thread(target=lambda: found.extend(store.read_messages(conv.id)))
    worker.start()  # as the chat controller reads a long conversation
    worker.join()
    assert found == store.load_messages(conv.id)
    store.close()
    with pytest.raises(StorageError):
        store.read_messages(conv.id)


def test_last_n_walks_the_path_by_key_instead_of_scanning(store: SqliteConversationStore) -> None:
    args = {"conversation": 1, "limit": 50}
    plan = " | ".join(
        str(row[3]) for row in store._db.execute(f"EXPLAIN QUERY PLAN {CURRENT_PATH_SQL}", args)
    )

    assert "SEARCH m USING INTEGER PRIMARY KEY (rowid=?)" in plan
    assert "SCAN messages" not in plan and "SCAN m " not in plan


def test_last_n_cost_does_not_grow_with_history(store: SqliteConversationStore) -> None:
    small = store.create_conversation(ConversationSettings())
    big = store.create_conversation(ConversationSettings())
    add_texts(store, small.id, *["short"] * 50)
    with store._write() as db:  # 20,000 messages in one path, in one transaction, for speed
        db.executemany(
            "INSERT INTO messages (id, conversation_id, role, content_json, status, created_at, "
            "parent_id) VALUES (?, ?, 'user', '[]', 'complete', 0, ?)",
            [(n, big.id, None if n == 100_000 else n - 1) for n in range(100_000, 120_000)],
        )
        db.execute("UPDATE conversations SET current_leaf_id = 119999 WHERE id = ?", (big.id,))
    assert len(store.load_messages(big.id, limit=50)) == 50

    def best_of(conversation_id: int) -> float:
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            store.load_messages(conversation_id, limit=50)
            timings.append(time.perf_counter() - started)
        return min(timings)

    # Relative to a baseline measured here (kept in the suite: the page's cost not growing with
    # the history is the behaviour; a scan of 20,000 rows would be ~400x); best of 20 each.
    assert best_of(big.id) < best_of(small.id) * 5 + 0.001


def test_update_message_saves_streaming_progress(store: SqliteConversationStore) -> None:
    conv = store.create_conversation(ConversationSettings())
    draft = store.add_message(
        Message(conv.id, Role.ASSISTANT, [text_block("")], status=MessageStatus.STREAMING)
    )

    for partial in ("The", "The quick", "The quick brown fox"):
        draft.content = [text_block(partial)]
        store.update_message(draft)
    draft.status = MessageStatus.COMPLETE
    draft.stop_reason = "end_turn"
    draft.usage = Usage(input_tokens=3, output_tokens=4)
    store.update_message(draft)

    [loaded] = store.load_messages(conv.id)
    assert loaded == draft
    assert store.matching_conversations("brown fox") == {conv.id}
    assert store.matching_conversations("quack") == set()


def test_update_of_a_deleted_message_is_ignored(store: SqliteConversationStore) -> None:
    conv = store.create_conversation(ConversationSettings())
    saved = store.add_message(user(conv.id, "gone soon"))
    store.delete_conversation(conv.id)

    store.update_message(saved)  # no error, nothing comes back

    assert store.load_messages(conv.id) == []


def test_delete_message(store: SqliteConversationStore) -> None:
    conv = store.create_conversation(ConversationSettings())
    first, second = add_texts(store, conv.id, "keep me", "drop me")
    assert second.id is not None

    store.delete_message(second.id)

    assert store.load_messages(conv.id) == [first]
    assert store.matching_conversations("drop") == set()


# -- search -------------------------------------------------------------------------------


def test_search_matches_words_whatever_their_case(store: SqliteConversationStore) -> None:
    older = store.create_conversation(ConversationSettings())
    newer = store.create_conversation(ConversationSettings())
    store.create_conversation(ConversationSettings())
    add_texts(store, older.id, "The pelican flies over the harbour at dawn.", "Nothing here.")
    add_texts(store, newer.id, "A PELICAN again, Pélican even.")

    assert store.matching_conversations("pelican") == {older.id, newer.id}


def test_search_matches_all_words_in_any_order_with_stemming(
    store: SqliteConversationStore,
) -> None:
    both, harbour, pelican = (store.create_conversation(ConversationSettings()) for _ in "abc")
    add_texts(store, both.id, "harbour pelicans")
    add_texts(store, harbour.id, "harbour only")
    add_texts(store, pelican.id, "pelican only")

    assert store.matching_conversations("pelican HARBOUR") == {both.id}
    assert store.matching_conversations("pelicans") == {both.id, pelican.id}
    assert store.matching_conversations("pel") == set()  # whole words: prefixes are slow


def test_search_ignores_non_text_blocks(store: SqliteConversationStore) -> None:
    conv = store.create_conversation(ConversationSettings())
    store.add_message(
        Message(
            conv.id,
            Role.ASSISTANT,
            [{"type": "thinking", "thinking": "secretword"}, text_block("visible")],
        )
    )

    assert store.matching_conversations("secretword") == set()
    assert store.matching_conversations("visible") == {conv.id}


@pytest.mark.parametrize(
    "query",
    [
        '"foo* AND (',
        "foo AND OR NOT",
        "NEAR(foo bar)",
        "col:foo",
        "^foo",
        '"""',
        "foo-bar",
        "*",
        "(",
        "",
        "   ",
        "{a b}: c",
        "foo'; DROP TABLE messages; --",
    ],
)
def test_search_survives_fts_syntax_in_user_input(
    store: SqliteConversationStore, query: str
) -> None:
    conv = store.create_conversation(ConversationSettings())
    add_texts(store, conv.id, "foo bar and some AND text", "foo-bar col")

    found = store.matching_conversations(query)

    assert found <= {conv.id}
    assert store.count_messages(conv.id) == 2


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('"foo* AND (') == '"foo" "AND"'
    assert fts_query("  ") is None


# -- failures -----------------------------------------------------------------------------


def test_corrupt_file_raises_from_the_constructor_and_is_left_alone(db_path: Path) -> None:
    garbage = b"this is not a database at all " * 200
    db_path.write_bytes(garbage)

    with pytest.raises(DatabaseCorruptError) as caught:
        SqliteConversationStore(db_path)

    assert isinstance(caught.value, StorageError)
    assert str(db_path) in caught.value.message
    assert "fresh history" in caught.value.message
    assert db_path.read_bytes() == garbage


def test_move_aside_and_recreate_keeps_the_old_file(db_path: Path) -> None:
    garbage = b"SQLite format 3\x00" + b"\xff" * 4000
    db_path.write_bytes(garbage)
    db_path.with_name(db_path.name + "-wal").write_bytes(b"stale wal")

    with SqliteConversationStore.move_aside_and_recreate(db_path) as fresh:
        assert fresh.list_conversations() == []
        fresh.create_conversation(ConversationSettings())
        moved = fresh.moved_aside

    assert moved is not None
    assert moved.name.startswith("history.sqlite3.corrupt-")
    assert moved.read_bytes() == garbage
    assert moved.with_name(moved.name + "-wal").read_bytes() == b"stale wal"
    with SqliteConversationStore(db_path) as reopened:
        assert len(reopened.list_conversations()) == 1


def test_move_aside_twice_in_one_second_keeps_both(db_path: Path) -> None:
    for content in (b"first broken file" * 100, b"second broken file" * 100):
        db_path.unlink(missing_ok=True)
        for companion in db_path.parent.glob("history.sqlite3-*"):
            companion.unlink()
        db_path.write_bytes(content)
        SqliteConversationStore.move_aside_and_recreate(db_path).close()

    kept = sorted(p.read_bytes()[:6] for p in db_path.parent.glob("*.corrupt-*[0-9]"))
    assert kept == [b"first ", b"second"]


def busy_timeout_ms(store: SqliteConversationStore) -> int:
    return int(store._db.execute("PRAGMA busy_timeout").fetchone()[0])


def test_a_write_lock_held_elsewhere_fails_quickly(db_path: Path) -> None:
    """Quickly = after the store's own busy timeout (200 ms here, not sqlite3's 5 s default):
    the connection carries it, and the write waited for it before failing."""
    store = SqliteConversationStore(db_path, busy_timeout_ms=200)
    assert busy_timeout_ms(store) == 200
    conv = store.create_conversation(ConversationSettings())
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        with pytest.raises(DatabaseLockedError) as caught:
            store.add_message(user(conv.id, "blocked"))
        elapsed = time.perf_counter() - started
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert elapsed > 0.1  # a lower bound, not a limit: it retried; load only lengthens it
    assert "another Claude Desk may be running" in caught.value.message
    assert str(db_path) in caught.value.message
    saved = store.add_message(user(conv.id, "works once released"))  # no stuck transaction
    assert store.load_messages(conv.id) == [saved]
    store.close()


def test_an_exclusive_lock_elsewhere_fails_opening(db_path: Path) -> None:
    SqliteConversationStore(db_path).close()
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseLockedError):
            SqliteConversationStore(db_path, busy_timeout_ms=200)
    finally:
        other.close()
    with SqliteConversationStore(db_path, busy_timeout_ms=200) as store:  # the same opening path
        assert busy_timeout_ms(store) == 200


def test_default_busy_timeout_is_about_two_seconds(store: SqliteConversationStore) -> None:
    assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] == 2000


def test_unopenable_location_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(StorageError):
        SqliteConversationStore(blocker / "history.sqlite3")


def test_unreadable_rows_are_reported_as_corrupt(store: SqliteConversationStore) -> None:
    conv = store.create_conversation(ConversationSettings())
    add_texts(store, conv.id, "fine")
    store._db.execute("UPDATE messages SET content_json = '{broken'")

    with pytest.raises(DatabaseCorruptError):
        store.load_messages(conv.id)


def test_closed_store_raises_storage_error(db_path: Path) -> None:
    store = SqliteConversationStore(db_path)
    store.close()
    store.close()

    with pytest.raises(StorageError, match="closed"):
        store.list_conversations()


def test_usage_by_model_sums_inside_sqlite(tmp_path) -> None:
    from desktop.core.conversation import (
        ConversationSettings,
        Message,
        Role,
        Usage,
        text_block,
    )
    from desktop.storage.database import SqliteConversationStore

    with SqliteConversationStore(tmp_path / "h.sqlite3") as store:
        conversation = store.create_conversation(ConversationSettings())
        store.add_message(Message(conversation.id, Role.USER, [text_block("q")]))
        for model, out in (
            ("claude-opus-4-8", 10),
            ("claude-opus-4-8", 5),
            ("claude-haiku-4-5", 7),
        ):
            store.add_message(
                Message(
                    conversation.id,
                    Role.ASSISTANT,
                    [text_block("a")],
                    model=model,
                    usage=Usage(input_tokens=100, output_tokens=out, cache_read_input_tokens=3),
                )
            )
        sums = store.usage_by_model(conversation.id)
    assert sums["claude-opus-4-8"] == Usage(
        input_tokens=200, output_tokens=15, cache_read_input_tokens=6
    )
    assert sums["claude-haiku-4-5"].output_tokens == 7


def test_settings_copy_is_deep_and_keeps_every_field() -> None:
    from dataclasses import fields

    from desktop.core.conversation import ConversationSettings, ThinkingSettings
    from desktop.core.server_tools import ServerTools

    thinking = ThinkingSettings(enabled=True, effort="high", show_summaries=False)
    tools = ServerTools(web_search=True, search_allowed_domains=["example.com"])
    settings = ConversationSettings("claude-x", "Be brief.", 1234, thinking, "1h", tools)
    copied = settings.copy()
    assert copied == settings
    assert copied is not settings and copied.thinking is not settings.thinking
    assert copied.tools is not settings.tools
    # a field added later must be copied too: every field differs from its default here
    assert all(
        getattr(settings, f.name) != getattr(ConversationSettings(), f.name)
        for f in fields(settings)
    )
    assert all(
        getattr(thinking, f.name) != getattr(ThinkingSettings(), f.name) for f in fields(thinking)
    )


def test_a_streaming_answer_is_indexed_once_when_it_ends(store: SqliteConversationStore) -> None:
    conversation = store.create_conversation(ConversationSettings())
    answer = store.add_message(
        Message(conversation.id, Role.ASSISTANT, [], status=MessageStatus.STREAMING)
    )
    answer.content = [text_block("pelicans glide over the bay")]
    store.update_message(answer)  # a save while streaming: not searchable yet
    assert store.matching_conversations("pelicans") == set()
    answer.status = MessageStatus.COMPLETE
    store.update_message(answer)
    assert store.matching_conversations("pelicans") == {conversation.id}


def test_earlier_pages_are_read_by_id(store: SqliteConversationStore) -> None:
    conversation = store.create_conversation(ConversationSettings())
    added = add_texts(store, conversation.id, *(f"message {n}" for n in range(10)))
    page = store.load_messages(conversation.id, 3, before_id=added[5].id)
    assert [m.id for m in page] == [m.id for m in added[2:5]]
    assert store.load_messages(conversation.id, 3, before_id=added[1].id) == [added[0]]


def test_matching_conversations_are_all_found_however_many_messages_match(
    store: SqliteConversationStore,
) -> None:
    quiet = store.create_conversation(ConversationSettings())
    add_texts(store, quiet.id, "one mention of pelicans")
    busy = store.create_conversation(ConversationSettings())
    add_texts(store, busy.id, *(["pelicans again"] * 250))
    assert store.matching_conversations("pelican") == {quiet.id, busy.id}
    assert store.matching_conversations("  ") == set()


def damage_inside(path: Path) -> bytes:
    """A history with conversations whose pages (all but the first, which names the tables)
    are overwritten in part: the file opens, the damage is inside. Returns its bytes."""
    with SqliteConversationStore(path) as store:
        for number in range(300):
            conv = store.create_conversation(ConversationSettings())
            store.rename_conversation(conv.id, f"Conversation {number} " + "words " * 60)
    data = bytearray(path.read_bytes())
    page = 16384
    for start in range(page, len(data), page):
        data[start + 100 : start + 1000] = b"\xab" * 900
    path.write_bytes(bytes(data))
    return bytes(data)


def test_damage_inside_the_file_is_found_at_open_and_the_file_left_alone(db_path: Path) -> None:
    damaged = damage_inside(db_path)
    plain = sqlite3.connect(db_path)  # sqlite itself opens it without complaint
    plain.execute("PRAGMA user_version").fetchone()
    plain.close()

    with pytest.raises(DatabaseCorruptError) as caught:
        SqliteConversationStore(db_path)

    assert "fresh history" in caught.value.message
    assert db_path.read_bytes() == damaged
    with SqliteConversationStore.move_aside_and_recreate(db_path) as fresh:
        assert fresh.list_conversations() == []
        assert fresh.moved_aside is not None
        assert fresh.moved_aside.read_bytes() == damaged


def test_search_finds_titles_in_any_case_and_words_in_messages_a_page_at_a_time(
    store: SqliteConversationStore,
) -> None:
    ids = []
    for number in range(7):
        conv = store.create_conversation(ConversationSettings())
        store.rename_conversation(conv.id, f"ÉTUDE {number}" if number % 2 else f"Other {number}")
        store.add_message(user(conv.id, "pelicans fly" if number == 2 else "tea"))
        ids.append(conv.id)
    found = store.search_conversations("étude")
    assert [c.id for c in found] == [ids[5], ids[3], ids[1]]  # newest first
    assert [c.id for c in store.search_conversations("pelican")] == [ids[2]]  # stemmed words
    first = store.search_conversations("étude", limit=2)
    rest = store.search_conversations("étude", limit=2, after=first[-1])
    assert [c.id for c in first + rest] == [ids[5], ids[3], ids[1]]
    assert store.search_conversations("?!") == []  # nothing to search for, nothing found
