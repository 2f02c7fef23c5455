"""A stream that goes silent is said on the answer, with Stop and Retry, and ends as a timeout."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.api import relay
from desktop.core.conversation import MessageStatus, Role
from desktop.ui.chat import answer_run
from desktop.ui.chat.stall_row import stall_row
from tests.fake_api.script import Stall, TextReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk


@pytest.fixture(autouse=True)
def warm_client(desk: Desk) -> None:
    """The SDK imported and its client built before a test's short silences start counting
    (on a busy machine the first request can otherwise take seconds to send)."""
    desk.loop.run_until_complete(desk.backend.sdk_client())


@pytest.fixture
def short_stalls(monkeypatch: pytest.MonkeyPatch) -> None:
    """0.3 s of silence is a stall, 1 s a timeout (30 s and 120 s in the app)."""
    monkeypatch.setattr(answer_run, "STALL_NOTICE_S", 0.3)
    monkeypatch.setattr(answer_run, "STALL_TIMEOUT_S", 1.0)


def stall_shown(desk: Desk) -> bool:
    answer = desk.last_answer()
    row = stall_row(answer) if answer is not None else None
    return row is not None and row.isVisible()


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_silence_is_said_and_goes_when_data_comes_again(
    desk: Desk, qtbot, fake_api, monkeypatch
) -> None:
    monkeypatch.setattr(answer_run, "STALL_NOTICE_S", 0.3)
    monkeypatch.setattr(answer_run, "STALL_TIMEOUT_S", 30.0)
    fake_api.enqueue(Stall("Slow start", seconds=1.0, text_after=" and a fine end."))
    type_and_send(desk, qtbot, "Take your time")
    desk.until(lambda: stall_shown(desk))
    answer = desk.last_answer()
    assert stall_row(answer).label.text() == "No data from the API for 0.3 s — still waiting."
    assert stall_row(answer).stop_button.isVisible() and stall_row(answer).retry_button.isVisible()
    desk.until(lambda: answer.body.toPlainText() == "Slow start")  # what came before stays
    desk.until(lambda: desk.idle() and not stall_shown(desk))
    assert answer.message.status is MessageStatus.COMPLETE
    assert answer.body.toPlainText() == "Slow start and a fine end."


def test_every_silence_is_said_not_only_the_first(desk: Desk, qtbot, fake_api, monkeypatch) -> None:
    monkeypatch.setattr(answer_run, "STALL_NOTICE_S", 0.3)
    monkeypatch.setattr(answer_run, "STALL_TIMEOUT_S", 30.0)
    fake_api.enqueue(TextReply("one two three", delta_size=4, delay=0.6))  # 0.6 s between events
    type_and_send(desk, qtbot, "Slowly")
    desk.until(lambda: "two" in desk.last_answer().body.toPlainText() and stall_shown(desk), 30)
    desk.until(lambda: desk.idle() and not stall_shown(desk))
    assert desk.last_answer().message.text == "one two three"


def test_retry_on_a_stalled_answer_asks_again(desk: Desk, qtbot, fake_api, monkeypatch) -> None:
    monkeypatch.setattr(answer_run, "STALL_NOTICE_S", 0.3)
    monkeypatch.setattr(answer_run, "STALL_TIMEOUT_S", 30.0)
    fake_api.enqueue(Stall("Never finished", seconds=20), TextReply("A fresh answer."))
    type_and_send(desk, qtbot, "Question")
    desk.until(lambda: stall_shown(desk))
    click(qtbot, stall_row(desk.last_answer()).retry_button)
    desk.until(lambda: len(fake_api.message_requests()) == 2 and desk.idle())
    desk.until(lambda: desk.last_answer().message.status is MessageStatus.COMPLETE)
    assert desk.last_answer().body.toPlainText() == "A fresh answer."
    assert len(desk.assistant_widgets()) == 1  # the stalled answer was dropped
    conversation = desk.store.list_conversations()[0]
    stored = desk.store.load_messages(conversation.id)
    assert [m.role for m in stored] == [Role.USER, Role.ASSISTANT]
    assert stored[1].text == "A fresh answer."
    first, second = fake_api.message_requests()
    assert first["messages"] == second["messages"]


def test_stop_on_a_stalled_answer_keeps_the_partial_text(
    desk: Desk, qtbot, fake_api, short_stalls
) -> None:
    fake_api.enqueue(Stall("Half an answer", seconds=20))
    type_and_send(desk, qtbot, "Question")
    desk.until(lambda: stall_shown(desk))
    click(qtbot, stall_row(desk.last_answer()).stop_button)
    desk.until(desk.idle)
    answer = desk.last_answer()
    assert answer.message.status is MessageStatus.STOPPED
    assert not stall_row(answer).isVisible()
    assert answer.body.toPlainText() == "Half an answer"


@pytest.mark.parametrize("stream_mode", ["in-process", "child"])
def test_long_silence_ends_as_a_timeout_keeping_the_partial_answer(
    desk: Desk, qtbot, fake_api, short_stalls
) -> None:
    fake_api.enqueue(Stall("The partial answer", seconds=20), TextReply("Second try."))
    type_and_send(desk, qtbot, "Question")
    desk.until(lambda: stall_shown(desk))
    desk.until(desk.idle)
    answer = desk.last_answer()
    assert answer.message.status is MessageStatus.FAILED
    assert not stall_row(answer).isVisible()
    assert answer.body.toPlainText() == "The partial answer"
    notice = answer.notice_label.text()
    assert "No data from the API for 1 s, so the request was ended" in notice
    assert answer.retry_button.isVisible()
    conversation = desk.store.list_conversations()[0]
    assert desk.store.load_messages(conversation.id)[1].text == "The partial answer"
    desk.until(lambda: fake_api.open_connections == 0)  # the request was really ended
    click(qtbot, answer.retry_button)
    desk.until(lambda: desk.idle() and desk.last_answer().body.toPlainText() == "Second try.")


@pytest.mark.parametrize("stream_mode", ["in-process", "child"])
def test_pings_keep_a_long_wait_alive(
    desk: Desk, qtbot, fake_api, monkeypatch, stream_mode: str
) -> None:
    """The API sends pings while the model works: they are bytes, so no notice, no timeout."""
    monkeypatch.setattr(answer_run, "STALL_NOTICE_S", 1.0)
    monkeypatch.setattr(answer_run, "STALL_TIMEOUT_S", 2.0)
    monkeypatch.setattr(relay, "ALIVE_EVERY", 0.1)  # the child gets it with the request
    said: list[float] = []
    desk.controller.stream_stalled.connect(lambda _id, seconds: said.append(seconds))
    reply = Stall("Thinking hard", seconds=3.0, text_after=" and done.", ping_every=0.05)
    fake_api.enqueue(reply)
    type_and_send(desk, qtbot, "Take the time you need")
    desk.until(lambda: "Thinking hard" in desk.last_answer().body.toPlainText())
    desk.until(desk.idle, 30)
    answer = desk.last_answer()
    assert answer.message.status is MessageStatus.COMPLETE  # not ended as a timeout at 2 s
    assert answer.body.toPlainText() == "Thinking hard and done."
    assert said == []  # the notice never came
    assert not stall_shown(desk)
    process = desk.backend.stream_process
    assert (process.served if process is not None else 0) == (stream_mode == "child")
