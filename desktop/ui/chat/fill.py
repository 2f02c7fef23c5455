"""Showing a page of history without holding a frame: newest message first, a little per turn.

Opening a conversation shows its last page (30 messages). Rendering a long answer's markdown
and highlighting its code costs ~2 ms per KB of pure Python and laying the result out about as
much again, so building the whole page at once stalled the UI thread for 0.1–1.4 s. Instead,
each loop turn spends at most `STEP_BUDGET_S` on:

- making the next message's widget, newest first, each inserted above the ones already shown
  (the view stays at the bottom, so the newest is on screen first), shown and laid out before
  any text goes in, so its text is laid out once, at its final width;
- appending its body a piece at a time: an answer is cut into closed markdown blocks by
  `StreamingMarkdown` (the streaming path's scanner; long code every `CODE_PIECE_LINES` lines)
  and each piece is rendered and appended in turn; a person's own text goes in as typed, about
  `PLAIN_PIECE_CHARS` at a time;
- deleting the widgets of the conversation shown before (hidden at once; freeing a long
  document takes milliseconds too).

Rendering in a worker thread was measured too: the worker holds the GIL whenever the UI thread
comes back from Qt into Python, and the frames got longer (stalls of 20–50 ms against
11–15 ms), so the pieces are rendered here, within the budget.
`cancel` (another conversation opened) drops whatever is left.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.conversation import Message, MessageStatus, Role
from desktop.render.citations import answer_markdown
from desktop.render.markdown import StreamingMarkdown

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.ui.chat.message_widget import MessageWidget

STEP_BUDGET_S = 0.004
"""UI-thread work per loop turn; laying out and painting what changed follows in the frame."""
NEXT_TURN_MS = 1  # a timer, not a queued call: paint and input come first
PLAIN_PIECE_CHARS = 2000  # a long typed message is appended in pieces of about this size


@dataclass
class _Job:
    """One message to show, and what of its body is still to append."""

    message: Message
    widget: MessageWidget | None = None
    markdown: StreamingMarkdown | None = None  # an answer's closed blocks, rendered on demand
    plain: list[str] = field(default_factory=list)  # typed text still to append, last first

    @property
    def deferred(self) -> bool:
        """Whether the body is filled here (a streaming answer fills itself)."""
        return self.message.status is not MessageStatus.STREAMING

    @property
    def filled(self) -> bool:
        markdown = self.markdown
        return not self.plain and (markdown is None or not markdown.has_pending)


class ChatFill(QObject):
    """Builds queued messages' widgets a little per loop turn (see the module docstring)."""

    done = Signal()  # everything queued is shown

    def __init__(
        self,
        build: Callable[[Message, bool], MessageWidget],
        turn: Callable[[Callable[[], None]], None],
        parent: QObject | None = None,
    ) -> None:
        """`build(message, deferred)` makes a message's widget, puts it at the top, shown and
        laid out (its body at its final width, so the text is laid out once); `turn(work)`
        runs one turn's work (the view keeps what is in view in place around it)."""
        super().__init__(parent)
        self._build = build
        self._turn = turn
        self._jobs: deque[_Job] = deque()
        self._filling: _Job | None = None  # built, body pieces still to append
        self._trash: deque[QWidget] = deque()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NEXT_TURN_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    # -- what the chat view asks ----------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether queued messages are still being built or filled."""
        return bool(self._jobs) or self._filling is not None

    def add(self, messages: list[Message]) -> None:
        """Show `messages` (oldest first) above everything shown or queued, newest first."""
        self._jobs.extend(_Job(m) for m in reversed(messages))
        self._schedule()

    def cancel(self) -> None:
        """Drop everything queued; a widget half filled stays as it is (the view discards it)."""
        self._jobs.clear()
        self._filling = None

    def discard(self, widgets: Iterable[QWidget]) -> None:
        """Hide `widgets` now and delete them over the next turns."""
        widgets = list(widgets)
        for widget in widgets:
            widget.hide()
        self._trash.extend(widgets)
        self._schedule()

    def replace(self, message: Message) -> None:
        """A queued message changed before it was shown."""
        for job in self._jobs:
            if message.id is not None and job.message.id == message.id:
                job.message = message

    def drop(self, message_id: int) -> None:
        """A queued message was removed before it was shown."""
        self._jobs = deque(j for j in self._jobs if j.message.id != message_id)

    # -- a little per turn ----------------------------------------------------------------------

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _on_timer_timeout(self) -> None:
        self._turn(self._work)
        if self.busy or self._trash:
            self._schedule()

    def _work(self) -> None:
        deadline = time.perf_counter() + STEP_BUDGET_S
        while self._step() and time.perf_counter() < deadline:
            pass

    def _step(self) -> bool:
        """One small piece of work; False when there is none left."""
        if self._filling is not None:
            self._append_next_piece(self._filling)
        elif self._jobs:
            self._start(self._jobs.popleft())
        elif self._trash:
            self._trash.popleft().deleteLater()
            return False  # deleted when this turn ends: one per turn
        else:
            return False
        return True

    def _start(self, job: _Job) -> None:
        job.widget = widget = self._build(job.message, job.deferred)
        text = answer_markdown(job.message.content, job.message.text)
        if job.deferred and text:
            if job.message.role is Role.ASSISTANT:
                job.markdown = markdown = StreamingMarkdown()
                markdown.append(text)
                markdown.finish()  # scanned into closed blocks; each renders when appended
                widget.body.begin_pieces(text, markdown.code_blocks)
            else:
                job.plain = _plain_pieces(text)[::-1]
                widget.body.begin_pieces(text, [])
            self._filling = None if job.filled else job
        self._finish_if_idle()

    def _append_next_piece(self, job: _Job) -> None:
        assert job.widget is not None
        body = job.widget.body
        if job.markdown is not None:
            for html in job.markdown.take_closed(max_chars=1):
                body.append_piece(html)
        else:
            body.append_plain(job.plain.pop())
        if job.filled:
            self._filling = None
            self._finish_if_idle()

    def _finish_if_idle(self) -> None:
        if not self.busy:
            self.done.emit()


def _plain_pieces(text: str) -> list[str]:
    """`text` cut after a newline about every `PLAIN_PIECE_CHARS` characters."""
    pieces, start = [], 0
    while start < len(text):
        end = text.find("\n", start + PLAIN_PIECE_CHARS)
        end = len(text) if end < 0 else end + 1
        pieces.append(text[start:end])
        start = end
    return pieces
