"""Sending reads the open conversation's history once (in a worker), not once per step."""

from __future__ import annotations

import pytest

from desktop.core.conversation import ConversationSettings, Message, MessageStatus, Role, text_block
from desktop.ui.chat.controller import PAGE_SIZE
from tests.counting import CountingStore
from tests.fake_api.script import TextReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk, build_desk
from tests.gui.shell.test_history_and_settings import click_row


@pytest.fixture
def counted(aloop, fake_api, qtbot):
    desk = build_desk(aloop, fake_api.base_url, qtbot, wrap_store=CountingStore)
    yield desk
    aloop.run_until_complete(desk.controller.tasks.drain())
    aloop.run_until_complete(desk.backend.aclose())
    desk.store.close()


def count_bodies(fake_api) -> list[dict]:
    return [r.body for r in fake_api.requests if r.path == "/v1/messages/count_tokens"]


def seed_long_conversation(desk: Desk, turns: int) -> None:
    conversation = desk.store.create_conversation(ConversationSettings(model="claude-opus-4-8"))
    desk.store.rename_conversation(conversation.id, "Long talk")
    for n in range(turns):
        desk.store.add_message(Message(conversation.id, Role.USER, [text_block(f"Question {n}")]))
        desk.store.add_message(
            Message(
                conversation.id,
                Role.ASSISTANT,
                [text_block(f"Answer {n}")],
                status=MessageStatus.COMPLETE,
                model="claude-opus-4-8",
            )
        )
    desk.window.refresh_conversations()


def test_a_long_conversation_is_read_once_in_a_worker_then_never_per_send(
    counted: Desk, qtbot, fake_api
) -> None:
    store: CountingStore = counted.store  # type: ignore[assignment]
    seed_long_conversation(counted, turns=PAGE_SIZE)  # 60 messages: more than a page
    store.calls.clear()
    click_row(qtbot, counted, 0)
    counted.until(lambda: counted.controller.history.is_loaded)
    [read] = store.full_history_reads()
    assert not read.on_main_thread
    for question in ("First new question", "Second new question"):
        fake_api.enqueue(TextReply(f"Reply to {question}"))
        type_and_send(counted, qtbot, question)
        counted.until(counted.idle)
        before = len(count_bodies(fake_api))
        qtbot.keyClicks(counted.window.composer, "a draft to estimate")
        counted.until(lambda n=before: len(count_bodies(fake_api)) > n)
        counted.window.composer.clear()
    assert store.full_history_reads() == [read]  # nothing more per send or per estimate
    sent = fake_api.message_requests()[-1]["messages"]
    assert len(sent) == 2 * PAGE_SIZE + 3  # the whole history, the new turns, the question
    assert sent[-2]["content"][0]["text"] == "Reply to First new question"
    assert (
        len(count_bodies(fake_api)[-1]["messages"]) == 2 * PAGE_SIZE + 5
    )  # the estimate saw it all too


def test_a_new_conversation_is_never_read_back(counted: Desk, qtbot, fake_api) -> None:
    store: CountingStore = counted.store  # type: ignore[assignment]
    for question in ("One", "Two"):
        fake_api.enqueue(TextReply(f"Reply to {question}"))
        type_and_send(counted, qtbot, question)
        counted.until(counted.idle)
    qtbot.keyClicks(counted.window.composer, "Three")
    counted.until(lambda: "tokens in" in counted.window.token_estimate.text())
    assert store.full_history_reads() == []
    texts = [m["content"][0]["text"] for m in fake_api.message_requests()[-1]["messages"]]
    assert texts == ["One", "Reply to One", "Two"]


def test_retry_drops_the_failed_answer_from_what_is_sent(counted: Desk, qtbot, fake_api) -> None:
    from tests.fake_api.script import ErrorReply

    fake_api.enqueue(ErrorReply(400, "invalid_request_error", "bad"))
    type_and_send(counted, qtbot, "Ask once")
    counted.until(counted.idle)
    failed = counted.last_answer()
    assert failed.message.status is MessageStatus.FAILED
    fake_api.enqueue(TextReply("Fine now"))
    counted.controller.retry(failed.message.id)
    counted.until(lambda: counted.idle() and len(fake_api.message_requests()) == 2)
    texts = [m["content"][0]["text"] for m in fake_api.message_requests()[-1]["messages"]]
    assert texts == ["Ask once"]
    assert [m.status for m in counted.controller.history.messages()] == [
        MessageStatus.COMPLETE,
        MessageStatus.COMPLETE,
    ]
    assert counted.store.full_history_reads() == []  # type: ignore[attr-defined]


def test_changes_made_while_the_history_is_read_are_kept_once(aloop, tmp_path) -> None:
    from desktop.storage.database import SqliteConversationStore
    from desktop.ui.chat.history import OpenHistory
    from desktop.ui.common.tasks import TaskRegistry

    store = SqliteConversationStore(tmp_path / "h.db")
    conversation = store.create_conversation(ConversationSettings())
    first = store.add_message(Message(conversation.id, Role.USER, [text_block("first")]))
    saved = store.add_message(Message(conversation.id, Role.ASSISTANT, [text_block("saved")]))
    history = OpenHistory(store, TaskRegistry())
    history.open(conversation.id, None)  # read in a worker
    assert not history.is_loaded
    history.added(saved)  # saved before the read: the read holds it already
    later = Message(conversation.id, Role.USER, [text_block("later")], id=saved.id + 1)
    history.added(later)  # not in the file: must be added
    edited = Message(conversation.id, Role.ASSISTANT, [text_block("edited")], id=saved.id)
    history.updated(edited)
    history.removed(first.id)
    history.added(Message(conversation.id + 1, Role.USER, [text_block("other")], id=99))
    loaded = aloop.run_until_complete(history.wait())
    assert [m.text for m in loaded] == ["edited", "later"]
    assert history.is_loaded
    store.close()


def test_one_usage_query_per_answer_feeds_the_cost_and_the_cache_panel(
    counted: Desk, qtbot, fake_api, tmp_path
) -> None:
    from tests.gui.attachments.test_images import drop, file_mime
    from tests.gui.context.test_documents import counted as documents_counted
    from tests.gui.context.test_documents import panel, ready
    from tests.pdfs import pdf_file

    store: CountingStore = counted.store  # type: ignore[assignment]
    book = pdf_file(tmp_path / "book.pdf", pages=4)
    drop(counted.window.composer.viewport(), file_mime([book]))
    counted.until(lambda: ready(counted, 1) and documents_counted(counted))
    for question in ("First question", "Second question"):
        store.calls.clear()
        type_and_send(counted, qtbot, question)
        counted.until(counted.idle)
        assert len(store.named("usage_by_model")) == 1
    assert counted.window.cost_label.text().startswith("$")
    assert panel(counted).cache_saved_label.text().startswith("Saved by caching so far: $")
