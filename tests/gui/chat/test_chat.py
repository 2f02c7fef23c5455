"""The chat as a person uses it: type, send, watch it stream, stop, errors and Retry."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.core.conversation import MessageStatus, Role
from tests.fake_api.script import (
    DropConnection,
    ErrorReply,
    MidStreamError,
    Stall,
    TextReply,
)
from tests.gui.conftest import Desk


@pytest.fixture(params=["in-process", "child"])
def stream_mode(request: pytest.FixtureRequest) -> str:
    """Every chat test runs with answers streamed in this process and by the child process."""
    return str(request.param)


def type_and_send(desk: Desk, qtbot, text: str) -> None:
    composer = desk.window.composer
    composer.setFocus()
    qtbot.keyClicks(composer, text)
    qtbot.keyClick(composer, Qt.Key.Key_Return)


def test_send_streams_answer_into_chat(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(TextReply("# Hello\n\nThis is **bold** and `code`.\n\n- one\n- two\n"))
    type_and_send(desk, qtbot, "Say hello")
    assert desk.window.composer.toPlainText() == ""  # sent, so the composer is cleared
    assert desk.window.action_stack.currentWidget() is desk.window.stop_button
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    answer = desk.last_answer()
    shown = answer.body.toPlainText()
    assert "Hello" in shown and "bold" in shown and "one" in shown
    assert answer.message.status is MessageStatus.COMPLETE
    assert desk.window.action_stack.currentWidget() is desk.window.send_button
    request = fake_api.message_requests()[-1]
    assert request["model"] == "claude-opus-4-8"
    assert request["stream"] is True
    # the latest turn carries the history's cache breakpoint (desktop/core/caching.py)
    marked = {"type": "text", "text": "Say hello", "cache_control": {"type": "ephemeral"}}
    assert request["messages"] == [{"role": "user", "content": [marked]}]
    assert not {"temperature", "top_p", "top_k"} & request.keys()
    # saved: the conversation is titled from the first message and holds both turns
    conversation = desk.store.list_conversations()[0]
    assert conversation.title == "Say hello"
    roles = [m.role for m in desk.store.load_messages(conversation.id)]
    assert roles == [Role.USER, Role.ASSISTANT]
    assert desk.window.composer.hasFocus()


def test_shift_enter_adds_a_line_and_enter_sends(desk: Desk, qtbot, fake_api) -> None:
    composer = desk.window.composer
    composer.setFocus()
    qtbot.keyClicks(composer, "line one")
    qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer, "line two")
    assert composer.toPlainText() == "line one\nline two"
    assert fake_api.message_requests() == []
    qtbot.mouseClick(desk.window.send_button, Qt.MouseButton.LeftButton)
    desk.until(desk.idle)
    desk.until(lambda: fake_api.message_requests())
    sent = fake_api.message_requests()[0]["messages"][0]["content"][0]["text"]
    assert sent == "line one\nline two"


def test_stop_ends_stream_at_once_and_keeps_partial_text(desk: Desk, qtbot, fake_api) -> None:
    """The server stalls for an hour: the answer going idle at all proves Stop did not wait
    for it (how quickly, against the SDK's own cancel: tests/bench/test_stop.py)."""
    fake_api.enqueue(Stall("Here is the first part", seconds=3600))
    type_and_send(desk, qtbot, "Tell me a long story")
    desk.until(lambda: desk.last_answer() and "first part" in desk.last_answer().body.toPlainText())
    qtbot.mouseClick(desk.window.stop_button, Qt.MouseButton.LeftButton)
    desk.until(desk.idle)
    answer = desk.last_answer()
    assert answer.message.status is MessageStatus.STOPPED
    assert "first part" in answer.body.toPlainText()
    assert answer.notice.isVisible() and "Stopped" in answer.notice_label.text()
    saved = desk.store.load_messages(desk.controller.conversation.id)[-1]
    assert saved.status is MessageStatus.STOPPED
    assert "Here is the first part" in saved.text


def test_streaming_answer_is_saved_while_it_arrives(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(Stall("Saved before the end", seconds=3600))
    type_and_send(desk, qtbot, "go")
    desk.until(lambda: desk.last_answer() and "Saved" in desk.last_answer().body.toPlainText())
    conversation_id = desk.controller.conversation.id

    def saved_partial() -> bool:
        last = desk.store.load_messages(conversation_id)[-1]
        return last.status is MessageStatus.STREAMING and "Saved before the end" in last.text

    desk.until(saved_partial)  # during the stall: only a save while streaming can do it
    desk.controller.stop()
    desk.until(desk.idle)


ERROR_CASES = [
    (ErrorReply(401, "authentication_error", "invalid x-api-key"), "API key rejected"),
    (ErrorReply(403, "permission_error", "not allowed"), "Not allowed"),
    (ErrorReply(404, "not_found_error", "model: nope"), "Model not available"),
    (ErrorReply(500, "api_error", "Internal server error"), "Server error"),
    (MidStreamError("Half an answer"), "overloaded"),
    (DropConnection("Half an answer"), "Connection problem"),
]


@pytest.mark.parametrize(("reply", "expected"), ERROR_CASES, ids=lambda v: str(v)[:24])
def test_errors_show_a_message_and_retry_works(desk: Desk, qtbot, fake_api, reply, expected):
    fake_api.enqueue(reply, TextReply("Recovered answer."))
    type_and_send(desk, qtbot, "Question that fails")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    desk.until(lambda: desk.last_answer().message.status is MessageStatus.FAILED)
    answer = desk.last_answer()
    assert answer.notice.isVisible()
    assert expected.lower() in answer.notice_label.text().lower()
    assert answer.retry_button.isVisible()
    # the user's message is still there, on screen and on disk
    conversation_id = desk.controller.conversation.id
    assert desk.store.load_messages(conversation_id)[0].text == "Question that fails"
    qtbot.mouseClick(answer.retry_button, Qt.MouseButton.LeftButton)
    desk.until(lambda: desk.idle() and "Recovered" in desk.last_answer().body.toPlainText())
    assert len(desk.assistant_widgets()) == 1  # the failed answer was replaced
    messages = desk.store.load_messages(conversation_id)
    assert [m.role for m in messages] == [Role.USER, Role.ASSISTANT]
    assert messages[-1].status is MessageStatus.COMPLETE
    retried = fake_api.message_requests()[-1]["messages"]
    marked = {"type": "text", "text": "Question that fails", "cache_control": {"type": "ephemeral"}}
    assert retried == [{"role": "user", "content": [marked]}]


def test_timeout_becomes_a_message(aloop, fake_api, qtbot) -> None:
    from tests.gui.conftest import build_desk

    desk = build_desk(aloop, fake_api.base_url, qtbot)
    desk.backend = desk.backend.__class__(base_url=fake_api.base_url, timeout=0.5)
    desk.backend.set_api_key("sk-ant-api03-timeout-test-key")
    desk.controller.set_backend(desk.backend)
    fake_api.enqueue(Stall("", seconds=3600))  # only the 0.5 s timeout can end it
    type_and_send(desk, qtbot, "slow")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    desk.until(lambda: desk.last_answer().message.status is MessageStatus.FAILED)
    assert "timed out" in desk.last_answer().notice_label.text().lower()
    aloop.run_until_complete(desk.backend.aclose())
    desk.store.close()


def test_rate_limit_wait_is_shown_and_can_be_cancelled(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(ErrorReply(429, "rate_limit_error", "slow down", retry_after="3600"))
    type_and_send(desk, qtbot, "Hello?")
    desk.until(lambda: desk.last_answer() and desk.last_answer().wait_row.isVisible())
    answer = desk.last_answer()
    assert "Rate limited" in answer.wait_label.text()
    assert "60 min" in answer.wait_label.text() or "1 h" in answer.wait_label.text()
    cancel = answer.findChild(type(answer.retry_button), "cancel_wait_button")
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    desk.until(desk.idle)
    assert not answer.wait_row.isVisible()
    assert answer.retry_button.isVisible()


def test_overloaded_before_stream_retries_after_the_wait(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(
        ErrorReply(529, "overloaded_error", "Overloaded", retry_after="1"),
        TextReply("Worked on the second try."),
    )
    type_and_send(desk, qtbot, "Hi")
    desk.until(lambda: desk.last_answer() and desk.last_answer().wait_row.isVisible())
    desk.until(lambda: desk.idle() and "second try" in desk.last_answer().body.toPlainText())
    assert desk.last_answer().message.status is MessageStatus.COMPLETE
    assert len(fake_api.message_requests()) == 2


def test_max_tokens_shows_continue(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(TextReply("A cut-off ans", stop_reason="max_tokens"), TextReply("wer."))
    type_and_send(desk, qtbot, "Write a lot")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    answer = desk.last_answer()
    assert "maximum output length" in answer.notice_label.text()
    assert answer.continue_button.isVisible()
    qtbot.mouseClick(answer.continue_button, Qt.MouseButton.LeftButton)
    desk.until(lambda: desk.idle() and len(desk.assistant_widgets()) == 2)
    sent = fake_api.message_requests()[-1]["messages"]
    assert sent[1] == {"role": "assistant", "content": [{"type": "text", "text": "A cut-off ans"}]}
    assert sent[2]["role"] == "user"


def test_refusal_shows_notice_and_is_not_sent_back(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(
        TextReply(
            "I started to",
            stop_reason="refusal",
            stop_details={"type": "refusal", "category": "cyber", "explanation": None},
        ),
        TextReply("Fine."),
    )
    type_and_send(desk, qtbot, "Something dubious")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    text = desk.last_answer().notice_label.text()
    assert "declined" in text and "cyber" in text
    type_and_send(desk, qtbot, "Something else")
    desk.until(lambda: desk.idle() and len(desk.assistant_widgets()) == 2)
    sent = fake_api.message_requests()[-1]["messages"]
    assert [m["role"] for m in sent] == ["user"]  # the refused text is not sent back
    assert [b["text"] for b in sent[0]["content"]] == ["Something dubious", "Something else"]


def test_context_window_exceeded_notice(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(TextReply("Partial", stop_reason="model_context_window_exceeded"))
    type_and_send(desk, qtbot, "Huge question")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    assert "context window" in desk.last_answer().notice_label.text()


def test_missing_key_is_explained(aloop, fake_api, qtbot) -> None:
    from tests.gui.conftest import build_desk

    desk = build_desk(aloop, fake_api.base_url, qtbot)
    desk.backend.set_api_key(None)
    type_and_send(desk, qtbot, "hello")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    desk.until(lambda: desk.last_answer().message.status is MessageStatus.FAILED)
    assert "key" in desk.last_answer().notice_label.text().lower()
    assert fake_api.message_requests() == []
    desk.store.close()
