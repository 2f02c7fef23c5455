"""The message tree in SQLite: migration of existing history, branches, paths and their pages."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.conversation import (
    ConversationSettings,
    Message,
    MessageStatus,
    Role,
    Usage,
    text_block,
)
from desktop.core.tree import Variants
from desktop.storage.database import SqliteConversationStore
from desktop.storage.migrations import MIGRATIONS, SCHEMA_VERSION
from desktop.storage.paths import AppPaths

RELEASED_VERSION = 3
"""The schema of the release before the tree (migrations are never edited, only appended)."""


@pytest.fixture
def db_path() -> Path:
    return AppPaths.resolve().ensure().database_path


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteConversationStore]:
    with SqliteConversationStore(db_path) as opened:
        yield opened


def user(conversation_id: int, text: str) -> Message:
    return Message(conversation_id, Role.USER, [text_block(text)])


def answer(conversation_id: int, text: str, usage: Usage | None = None) -> Message:
    return Message(
        conversation_id, Role.ASSISTANT, [text_block(text)], model="claude-opus-4-8", usage=usage
    )


def texts(messages: list[Message]) -> list[str]:
    return [m.text for m in messages]


def released_database(path: Path) -> None:
    """A history file as the current release writes it (schema 3), with two conversations
    whose messages interleave by id."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for number, migration in enumerate(MIGRATIONS[:RELEASED_VERSION], start=1):
        migration(conn)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO conversations (id, title, created_at, updated_at) VALUES "
        "(1, 'first', 0, 0), (2, 'second', 0, 0), (3, 'empty', 0, 0)"
    )
    rows = [
        (1, 1, "user", "pelican question"),
        (2, 2, "user", "other question"),
        (3, 1, "assistant", "pelican answer"),
        (4, 1, "user", "follow-up"),
        (5, 2, "assistant", "other answer"),
        (6, 1, "assistant", "last answer"),
    ]
    for message_id, conversation_id, role, text in rows:
        content = f'[{{"type": "text", "text": "{text}"}}]'
        conn.execute(
            "INSERT INTO messages (id, conversation_id, role, content_json, status, created_at, "
            "search_text, usage_json, model) VALUES (?, ?, ?, ?, 'complete', ?, ?, ?, ?)",
            (
                message_id,
                conversation_id,
                role,
                content,
                float(message_id),
                text,
                '{"output_tokens": 10}' if role == "assistant" else None,
                "claude-opus-4-8" if role == "assistant" else None,
            ),
        )
    conn.close()


# -- migration ------------------------------------------------------------------------------


def test_a_released_database_is_migrated_with_every_message_chained(db_path: Path) -> None:
    released_database(db_path)

    with SqliteConversationStore(db_path) as store:
        first = store.load_messages(1)
        second = store.load_messages(2)
        version = store._db.execute("PRAGMA user_version").fetchone()[0]

        assert version == SCHEMA_VERSION > RELEASED_VERSION
        assert [(m.id, m.parent_id) for m in first] == [(1, None), (3, 1), (4, 3), (6, 4)]
        assert [(m.id, m.parent_id) for m in second] == [(2, None), (5, 2)]
        assert store.load_messages(3) == [] and store.current_leaf(3) is None
        assert (store.current_leaf(1), store.current_leaf(2)) == (6, 5)
        assert (store.count_messages(1), store.count_messages(2)) == (4, 2)
        assert store.matching_conversations("pelican") == {1}
        assert store.usage_by_model(1)["claude-opus-4-8"].output_tokens == 20
        # the next message follows the last one
        assert store.add_message(user(1, "new")).parent_id == 6


def test_the_migration_indexes_the_parents(db_path: Path) -> None:
    released_database(db_path)

    with SqliteConversationStore(db_path) as store:
        indexes = {row[1] for row in store._db.execute("PRAGMA index_list(messages)")}
        columns = [row[2] for row in store._db.execute("PRAGMA index_info(messages_by_parent)")]

    assert "messages_by_parent" in indexes
    assert columns[0] == "parent_id"


# -- branches -------------------------------------------------------------------------------


@pytest.fixture
def branched(store: SqliteConversationStore) -> dict[str, Message]:
    """question → answer one; the answer regenerated (answer two, now shown), then an edit."""
    conv = store.create_conversation(ConversationSettings())
    question = store.add_message(user(conv.id, "question"))
    one = store.add_message(answer(conv.id, "answer one", Usage(output_tokens=5)))
    two = store.add_child(answer(conv.id, "answer two", Usage(output_tokens=7)), question.id)
    return {"question": question, "one": one, "two": two}


def test_adding_without_a_parent_follows_the_current_message(
    store: SqliteConversationStore,
) -> None:
    conv = store.create_conversation(ConversationSettings())

    first = store.add_message(user(conv.id, "first"))
    second = store.add_message(answer(conv.id, "second"))

    assert first.parent_id is None and second.parent_id == first.id
    assert store.current_leaf(conv.id) == second.id
    assert store.load_messages(conv.id) == [first, second]


def test_a_regenerated_answer_is_a_sibling_and_becomes_the_shown_one(
    store: SqliteConversationStore, branched: dict[str, Message]
) -> None:
    question, one, two = branched["question"], branched["one"], branched["two"]
    conv_id = question.conversation_id

    assert two.parent_id == question.id
    assert texts(store.load_messages(conv_id)) == ["question", "answer two"]
    assert store.count_messages(conv_id) == 2
    assert store.siblings(two.id) == Variants((one.id, two.id), 1)
    assert store.siblings(two.id).label == "2/2"  # type: ignore[union-attr]
    assert store.siblings(question.id) == Variants((question.id,), 0)
    assert store.siblings(404) is None


def test_switching_branches_shows_the_other_path(
    store: SqliteConversationStore, branched: dict[str, Message]
) -> None:
    question, one = branched["question"], branched["one"]
    conv_id = question.conversation_id
    later = store.add_message(user(conv_id, "after answer two"))

    assert store.set_current_leaf(conv_id, one.id) == one.id
    assert texts(store.load_messages(conv_id)) == ["question", "answer one"]
    # picking a message with replies shows the branch down to its latest leaf
    assert store.set_current_leaf(conv_id, question.id) == later.id
    assert texts(store.load_messages(conv_id)) == ["question", "answer two", "after answer two"]
    # a message of another conversation changes nothing
    other = store.create_conversation(ConversationSettings())
    assert store.set_current_leaf(other.id, one.id) is None
    assert store.current_leaf(conv_id) == later.id


def test_an_edit_of_the_first_message_is_a_second_root(
    store: SqliteConversationStore, branched: dict[str, Message]
) -> None:
    question = branched["question"]
    conv_id = question.conversation_id

    edited = store.add_child(user(conv_id, "question, edited"), None)

    assert edited.parent_id is None
    assert texts(store.load_messages(conv_id)) == ["question, edited"]
    assert store.siblings(edited.id) == Variants((question.id, edited.id), 1)


def test_a_parent_from_another_conversation_is_refused(
    store: SqliteConversationStore, branched: dict[str, Message]
) -> None:
    other = store.create_conversation(ConversationSettings())

    with pytest.raises(ValueError, match="not in conversation"):
        store.add_child(user(other.id, "stray"), branched["question"].id)
    with pytest.raises(ValueError, match="not in conversation"):
        store.add_message(Message(other.id, Role.USER, [], parent_id=branched["question"].id))
    assert store.count_messages(other.id) == 0


def test_variants_of_a_page_come_in_one_call(
    store: SqliteConversationStore, branched: dict[str, Message]
) -> None:
    question, one, two = branched["question"], branched["one"], branched["two"]

    found = store.variants([question.id, two.id, two.id, 404])

    assert found == {
        question.id: Variants((question.id,), 0),
        two.id: Variants((one.id, two.id), 1),
    }
    assert store.variants([]) == {}


def test_paths_are_paged_from_the_leaf_upwards(store: SqliteConversationStore) -> None:
    conv = store.create_conversation(ConversationSettings())
    trunk = [store.add_message(user(conv.id, f"t{n}")) for n in range(6)]
    branch = [store.add_child(user(conv.id, "b0"), trunk[2].id)]
    branch += [store.add_message(user(conv.id, f"b{n}")) for n in range(1, 4)]

    newest = store.load_path(conv.id, limit=3)
    earlier = store.load_path(conv.id, limit=3, before_id=newest[0].id)
    rest = store.load_path(conv.id, limit=3, before_id=earlier[0].id)

    assert texts(newest) == ["b1", "b2", "b3"]
    assert texts(earlier) == ["t1", "t2", "b0"]
    assert texts(rest) == ["t0"]
    assert store.load_path(conv.id, limit=3, before_id=rest[0].id) == []
    assert texts(store.load_path(conv.id, trunk[-1].id)) == [f"t{n}" for n in range(6)]
    assert texts(store.load_path(conv.id, trunk[-1].id, limit=2)) == ["t4", "t5"]
    assert store.load_messages(conv.id, 3, before_id=newest[0].id) == earlier
    assert store.count_messages(conv.id) == 7
    other = store.create_conversation(ConversationSettings())
    assert store.load_path(other.id, trunk[-1].id) == []


def test_the_whole_path_and_the_whole_tree_read_from_a_worker_thread(
    store: SqliteConversationStore, branched: dict[str, Message]
) -> None:
    conv_id = branched["question"].conversation_id
    found: dict[str, list[Message]] = {}

    def read() -> None:
        found["path"] = store.read_messages(conv_id)
        found["tree"] = store.read_tree(conv_id)

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()

    assert found["path"] == store.load_messages(conv_id)
    assert texts(found["tree"]) == ["question", "answer one", "answer two"]


def test_deleting_a_message_keeps_its_replies_on_its_parent(
    store: SqliteConversationStore,
) -> None:
    conv = store.create_conversation(ConversationSettings())
    first, middle, last = (store.add_message(user(conv.id, t)) for t in ("a", "b", "c"))

    store.delete_message(middle.id)

    assert [(m.text, m.parent_id) for m in store.load_messages(conv.id)] == [
        ("a", None),
        ("c", first.id),
    ]
    assert store.current_leaf(conv.id) == last.id


def test_deleting_the_shown_answer_shows_its_question_for_a_retry(
    store: SqliteConversationStore, branched: dict[str, Message]
) -> None:
    question, two = branched["question"], branched["two"]
    conv_id = question.conversation_id

    store.delete_message(two.id)
    retried = store.add_message(answer(conv_id, "answer three"))

    assert store.current_leaf(conv_id) == retried.id
    assert retried.parent_id == question.id
    assert texts(store.load_messages(conv_id)) == ["question", "answer three"]
    assert store.siblings(retried.id).count == 2  # type: ignore[union-attr]


def test_usage_counts_every_branch_and_search_finds_every_branch(
    store: SqliteConversationStore, branched: dict[str, Message]
) -> None:
    conv_id = branched["question"].conversation_id

    assert store.usage_by_model(conv_id)["claude-opus-4-8"].output_tokens == 12
    assert store.matching_conversations("answer one") == {conv_id}  # not the shown branch


def test_deleting_a_conversation_deletes_its_whole_tree(
    store: SqliteConversationStore, branched: dict[str, Message]
) -> None:
    conv_id = branched["question"].conversation_id

    store.delete_conversation(conv_id)

    assert store._db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    assert store.matching_conversations("answer") == set()


def test_a_streaming_answer_under_a_branch_saves_like_any_other(
    store: SqliteConversationStore, branched: dict[str, Message]
) -> None:
    question = branched["question"]
    draft = store.add_child(
        Message(question.conversation_id, Role.ASSISTANT, [], status=MessageStatus.STREAMING),
        question.id,
    )
    draft.content = [text_block("streamed")]
    draft.status = MessageStatus.COMPLETE
    store.update_message(draft)

    assert store.load_messages(question.conversation_id)[-1] == draft


def test_a_branch_copies_the_path_settings_and_documents_sharing_the_blobs(
    store: SqliteConversationStore,
) -> None:
    from desktop.core.documents import Document

    settings = ConversationSettings(system_prompt="Be brief.", cache_ttl="1h")
    source = store.create_conversation(settings)
    store.add_document(source.id, Document("b.md", "text", "b" * 64, 10, 3))
    store.add_document(source.id, Document("a.pdf", "pdf", "a" * 64, 20, 5, pages=2))
    image = {"type": "image", "source": {"type": "blob", "sha256": "c" * 64}}
    question = store.add_message(
        Message(source.id, Role.USER, [image, text_block("pelican?")], created_at=1000.0)
    )
    paid = Usage(input_tokens=50, output_tokens=7)
    first = store.add_message(answer(source.id, "first pelican answer", paid))
    store.add_message(user(source.id, "more"))
    store.add_child(answer(source.id, "second answer", paid), question.id)
    blobs_before = store.referenced_blobs()

    branch = store.branch_conversation(source.id, first.id, "Birds (branch)")

    assert branch.title == "Birds (branch)" and branch.settings == settings
    assert store.get_conversation(branch.id) == branch
    assert [(d.name, d.sha256) for d in store.list_documents(branch.id)] == [
        ("b.md", "b" * 64),
        ("a.pdf", "a" * 64),
    ]
    copied = store.read_tree(branch.id)
    assert texts(copied) == ["pelican?", "first pelican answer"]
    assert copied[0].content == question.content and copied[0].created_at == 1000.0
    assert [m.parent_id for m in copied] == [None, copied[0].id]
    assert copied[1].model == "claude-opus-4-8" and copied[1].usage is None  # paid once
    assert store.current_leaf(branch.id) == copied[1].id
    assert texts(store.load_messages(branch.id)) == texts(copied)
    assert store.usage_by_model(branch.id) == {}
    assert store.referenced_blobs() == blobs_before  # shared, nothing new
    assert store.matching_conversations("pelican") == {source.id, branch.id}
    assert len(store.read_tree(source.id)) == 4  # the original is untouched


def test_a_branch_from_a_message_of_another_conversation_is_refused(
    store: SqliteConversationStore,
) -> None:
    one = store.create_conversation(ConversationSettings())
    other = store.create_conversation(ConversationSettings())
    message = store.add_message(user(other.id, "elsewhere"))
    count = len(store.list_conversations())

    with pytest.raises(ValueError):
        store.branch_conversation(one.id, message.id, "Nope")
    assert len(store.list_conversations()) == count  # nothing half made
