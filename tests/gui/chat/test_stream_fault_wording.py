"""What a person reads when an answer breaks off: what happened, in plain words, with the
text so far kept; a parser's own message goes to the log, never to the screen."""

from __future__ import annotations

import logging

import pytest

from desktop.core.conversation import MessageStatus
from tests.fake_api import DropConnection, MalformedEvent
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk

BROKEN = "The connection broke while Claude was answering; the text so far is kept."


def failed_answer(desk: Desk, qtbot, reply, fake_api):
    fake_api.enqueue(reply)
    type_and_send(desk, qtbot, "Tell me something")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    desk.until(lambda: desk.last_answer().message.status is MessageStatus.FAILED)
    return desk.last_answer()


@pytest.mark.parametrize("stream_mode", ["in-process", "child"])
@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_connection_lost_after_text_says_so_and_keeps_the_text(
    desk: Desk, qtbot, fake_api, reset: bool
) -> None:
    answer = failed_answer(desk, qtbot, DropConnection("Half of the answer", reset=reset), fake_api)
    notice = answer.notice_label.text()
    assert BROKEN in notice
    assert "could not reach" not in notice.lower()
    assert "Half of the answer" in answer.body.toPlainText()
    saved = desk.store.load_messages(desk.controller.conversation.id)[-1]
    assert saved.text == "Half of the answer"


@pytest.mark.parametrize("stream_mode", ["in-process", "child"])
def test_an_unreadable_event_is_said_plainly(desk: Desk, qtbot, fake_api, caplog) -> None:
    caplog.set_level(logging.WARNING)
    answer = failed_answer(desk, qtbot, MalformedEvent("The start of it"), fake_api)
    notice = answer.notice_label.text()
    assert "could not read" in notice and "the text so far is kept" in notice
    assert "Expecting" not in notice and "JSON" not in notice and "char " not in notice
    assert "The start of it" in answer.body.toPlainText()


def test_the_parser_details_go_to_the_log(desk: Desk, qtbot, fake_api, caplog) -> None:
    caplog.set_level(logging.WARNING)
    failed_answer(desk, qtbot, MalformedEvent("The start of it"), fake_api)
    assert "Expecting property name" in caplog.text
