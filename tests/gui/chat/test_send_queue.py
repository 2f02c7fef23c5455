"""Enter never refuses: at a person's pace, a message that cannot go yet waits above the
composer and goes the moment it can (images ready, the answer ended, also after Stop)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from desktop.core.conversation import MessageStatus
from desktop.ui.chat import answer_run
from desktop.ui.chat.send_queue import ANSWER_FAILED, WAITING_FOR_ANSWER, WAITING_FOR_FILES
from tests.fake_api.script import Stall, TextReply
from tests.gui.attachments.test_images import strip_ready, type_text
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk


class Gate:
    """Holds image preparation until `release` (a large screenshot takes seconds)."""

    def __init__(self, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
        pending = desk.controller.attachments
        assert pending is not None
        preparer = pending._preparer
        self.open = threading.Event()
        for name in ("prepare", "prepare_file"):
            real = getattr(preparer, name)
            monkeypatch.setattr(preparer, name, self._held(real))

    def _held(self, real):
        def prepare(*args):
            self.open.wait(10)
            return real(*args)

        return prepare

    def release(self) -> None:
        self.open.set()


def bar(desk: Desk):
    return desk.window.composer_row.send_queue_bar


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def pause(desk: Desk, seconds: float) -> None:
    """A person's pause: the app runs meanwhile."""
    until = time.monotonic() + seconds
    desk.until(lambda: time.monotonic() >= until)


def paste_screenshot(desk: Desk, qtbot) -> None:
    image = QImage(1920, 1080, QImage.Format.Format_RGB32)
    image.fill(QColor("#3366cc"))
    QApplication.clipboard().setImage(image)
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def enter(desk: Desk, qtbot) -> None:
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)


def user_texts(request: dict) -> list[str]:
    return [
        block["text"]
        for message in request["messages"]
        if message["role"] == "user"
        for block in message["content"]
        if block["type"] == "text"
    ]


def answer_streaming(desk: Desk, text: str) -> bool:
    answer = desk.last_answer()
    return answer is not None and text in answer.body.toPlainText() and not desk.idle()


def test_enter_100_ms_after_pasting_a_screenshot_sends_it_when_ready(
    desk: Desk, qtbot, fake_api, monkeypatch
) -> None:
    gate = Gate(desk, monkeypatch)
    type_text(desk, qtbot, "What is in this screenshot?")
    paste_screenshot(desk, qtbot)
    pause(desk, 0.1)
    enter(desk, qtbot)
    assert desk.controller.attachments is not None
    assert desk.controller.attachments.preparing  # still being prepared
    assert desk.window.composer.toPlainText() == ""  # the text left the composer
    assert bar(desk).isVisible()
    assert bar(desk).label.text() == f"{WAITING_FOR_FILES}  “What is in this screenshot?”"
    assert bar(desk).cancel_button.isVisible() and not bar(desk).edit_button.isVisible()
    qtbot.keyClicks(desk.window.composer, "next")  # typing goes on meanwhile
    gate.release()
    desk.until(lambda: len(fake_api.message_requests()) == 1 and desk.idle())
    image, text = fake_api.message_requests()[0]["messages"][0]["content"]
    assert image["type"] == "image" and image["source"]["media_type"] == "image/png"
    assert text["text"] == "What is in this screenshot?"
    assert not bar(desk).isVisible()
    assert desk.window.composer.toPlainText() == "next"
    assert desk.controller.attachments is not None and desk.controller.attachments.items == []
    (user,) = [
        w for w in desk.window.chat_view.message_widgets() if w.objectName() == "user_message"
    ]
    assert len(user.image_buttons) == 1


def test_cancel_puts_the_text_back_and_nothing_is_sent(
    desk: Desk, qtbot, fake_api, monkeypatch
) -> None:
    gate = Gate(desk, monkeypatch)
    type_text(desk, qtbot, "Describe it")
    paste_screenshot(desk, qtbot)
    enter(desk, qtbot)
    assert bar(desk).isVisible()
    click(qtbot, bar(desk).cancel_button)
    assert not bar(desk).isVisible()
    assert desk.window.composer.toPlainText() == "Describe it"
    gate.release()
    desk.until(lambda: strip_ready(desk, 1))
    pause(desk, 0.1)
    assert fake_api.message_requests() == []  # ready now, but it was cancelled
    enter(desk, qtbot)  # and Enter sends it at once
    desk.until(lambda: len(fake_api.message_requests()) == 1 and desk.idle())


def test_an_image_that_cannot_be_used_gives_the_message_back(
    desk: Desk, qtbot, fake_api, monkeypatch, tmp_path: Path
) -> None:
    gate = Gate(desk, monkeypatch)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")
    desk.window.composer_row.attach_files([str(broken)])
    type_text(desk, qtbot, "What does it show?")
    enter(desk, qtbot)
    assert bar(desk).isVisible() and desk.window.composer.toPlainText() == ""
    gate.release()
    desk.until(lambda: bar(desk).dismiss_button.isVisible())
    assert "broken.png" in bar(desk).label.text() and "not sent" in bar(desk).label.text()
    assert desk.window.composer.toPlainText() == "What does it show?"
    assert fake_api.message_requests() == []
    click(qtbot, bar(desk).dismiss_button)
    assert not bar(desk).isVisible()


def test_enter_while_an_answer_streams_sends_the_next_message_after_it(
    desk: Desk, qtbot, fake_api
) -> None:
    fake_api.enqueue(Stall("Part one", seconds=0.8, text_after=" and part two."), TextReply("2"))
    type_and_send(desk, qtbot, "first question")
    desk.until(lambda: answer_streaming(desk, "Part one"))
    qtbot.keyClicks(desk.window.composer, "second question")
    enter(desk, qtbot)
    assert desk.window.composer.toPlainText() == ""  # not left there to be glued to
    assert bar(desk).label.text() == f"{WAITING_FOR_ANSWER}  “second question”"
    assert bar(desk).edit_button.isVisible() and not bar(desk).cancel_button.isVisible()
    qtbot.keyClicks(desk.window.composer, "third question")
    assert desk.window.composer.toPlainText() == "third question"
    assert len(fake_api.message_requests()) == 1  # not before the answer ends
    desk.until(lambda: len(fake_api.message_requests()) == 2 and desk.idle())
    first_answer = desk.assistant_widgets()[0].message
    assert first_answer.status is MessageStatus.COMPLETE
    assert first_answer.text == "Part one and part two."
    second = fake_api.message_requests()[1]
    assert user_texts(second) == ["first question", "second question"]
    assert second["messages"][1]["content"][0]["text"] == "Part one and part two."
    assert desk.window.composer.toPlainText() == "third question"
    assert not bar(desk).isVisible()


def test_stop_ends_the_answer_not_the_queue(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(Stall("Half", seconds=20), TextReply("The second answer."))
    type_and_send(desk, qtbot, "first question")
    desk.until(lambda: answer_streaming(desk, "Half"))
    qtbot.keyClicks(desk.window.composer, "second question")
    enter(desk, qtbot)
    click(qtbot, desk.window.stop_button)
    desk.until(lambda: len(fake_api.message_requests()) == 2 and desk.idle())
    first, _second = (w.message for w in desk.assistant_widgets())
    assert first.status is MessageStatus.STOPPED and first.text == "Half"
    assert user_texts(fake_api.message_requests()[1])[-1] == "second question"
    desk.until(lambda: desk.last_answer().body.toPlainText() == "The second answer.")


def test_edit_takes_it_back_and_enter_queues_it_again(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(Stall("Long answer", seconds=20), TextReply("ok"))
    type_and_send(desk, qtbot, "first")
    desk.until(lambda: answer_streaming(desk, "Long answer"))
    qtbot.keyClicks(desk.window.composer, "secnd")
    enter(desk, qtbot)
    click(qtbot, bar(desk).edit_button)
    composer = desk.window.composer
    assert not bar(desk).isVisible() and composer.toPlainText() == "secnd"
    composer.selectAll()
    qtbot.keyClicks(composer, "second")
    enter(desk, qtbot)
    assert bar(desk).label.text() == f"{WAITING_FOR_ANSWER}  “second”"
    qtbot.keyClicks(composer, "and more")
    enter(desk, qtbot)  # a second Enter adds to the one queued message
    assert desk.window.composer_row.send_queue.text == "second\n\nand more"
    click(qtbot, desk.window.stop_button)
    desk.until(lambda: len(fake_api.message_requests()) == 2 and desk.idle())
    assert user_texts(fake_api.message_requests()[1])[-1] == "second\n\nand more"


def test_a_failed_answer_gives_the_queued_message_back(
    desk: Desk, qtbot, fake_api, monkeypatch
) -> None:
    desk.loop.run_until_complete(desk.backend.sdk_client())  # the first request not slow
    monkeypatch.setattr(answer_run, "STALL_NOTICE_S", 0.2)
    monkeypatch.setattr(answer_run, "STALL_TIMEOUT_S", 0.6)  # the answer fails as timed out
    fake_api.enqueue(Stall("Partial", seconds=20))
    type_and_send(desk, qtbot, "first")
    desk.until(lambda: answer_streaming(desk, "Partial"))
    qtbot.keyClicks(desk.window.composer, "next one")
    enter(desk, qtbot)
    qtbot.keyClicks(desk.window.composer, "and this")
    desk.until(lambda: desk.idle() and bar(desk).dismiss_button.isVisible())
    assert desk.last_answer().message.status is MessageStatus.FAILED
    assert bar(desk).label.text() == ANSWER_FAILED
    assert desk.window.composer.toPlainText() == "next one\n\nand this"
    pause(desk, 0.1)
    assert len(fake_api.message_requests()) == 1
