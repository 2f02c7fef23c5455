"""A streamed answer is drawn exactly as the same answer reopened from history: one card, no
seams (compared as drawn on screen: the window's backing store, not a fresh `grab`)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from desktop.core.palettes import LIGHT
from desktop.ui.shell.stylesheet import stylesheet
from tests.fake_api.script import TextReply
from tests.gui.conftest import Desk

ANSWER = """# A heading

A paragraph with **bold**, *italic* and `code`, long enough to wrap over more than one line in
a window of ordinary width, so that wrapping is compared too.

- one
- two with `code`

> A quoted line.

```python
def hello():
    return "world"
```

| a | b |
|---|---|
| 1 | 2 |
| 3 | 4 |

The end.
"""


def _on_screen(desk: Desk) -> QImage:
    """The last answer's card as the window shows it now."""
    window = desk.window
    answer = desk.last_answer()
    assert answer is not None
    top_left = answer.mapTo(window, QPoint(0, 0))
    shown = window.screen().grabWindow(window.winId()).toImage()
    return shown.copy(QRect(top_left, answer.size()))


def test_a_streamed_answer_looks_like_it_does_reopened(desk: Desk, qtbot, fake_api) -> None:
    window = desk.window
    window.setStyleSheet(stylesheet(LIGHT))  # the app's look (cards with borders and round corners)
    window.resize(1000, 900)
    fake_api.enqueue(TextReply(ANSWER, delta_size=7, delay=0.005))
    # The pointer away from the conversation: a hovered answer shows its actions (by design).
    QTest.mouseMove(window.sidebar.view)
    window.composer.setFocus()
    qtbot.keyClicks(window.composer, "Show me everything")
    qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    desk.until(lambda: desk.idle() and desk.last_answer() is not None, timeout=30)
    body = desk.last_answer().body
    desk.until(lambda: body.up_to_date, timeout=30)
    qtbot.wait(50)  # the last paint
    streamed = _on_screen(desk)
    conversation = desk.controller.conversation
    desk.controller.new_conversation()
    desk.controller.open_conversation(conversation)
    desk.shown(2)
    qtbot.wait(50)
    reopened = _on_screen(desk)
    assert streamed.size() == reopened.size()
    assert streamed == reopened
