"""Showing a page of history without holding a frame: newest message first, a little per turn.

Opening a conversation shows its last page (30 messages). Rendering a long answer's markdown
and highlighting its code costs ~2 ms per KB of pure Python, laying the result out ~1.5 ms per
KB more, so building the whole page at once stalled the UI thread for 0.1–1.4 s. Instead:

- a worker thread renders the answers' markdown into pieces (`render_pieces`), newest first,
  inside `ui_first()` so the UI thread gets the GIL back within 1 ms; each result comes back
  as a queued signal (no asyncio: the view works the same whether or not the loop runs);
- on the UI thread, each loop turn spends at most `STEP_BUDGET_S` making the next message's
  widget (inserted above the ones already shown, so the newest appears first and the view
  stays at the bottom), appending its body's pieces once its width is final, and deleting
  widgets of the conversation shown before (hidden at once, deleted a few per turn: freeing a
  long document takes milliseconds too);
- `cancel` (another conversation opened) stops the renders and drops what is left.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.conversation import Message, MessageStatus, Role
from desktop.ui.gil import ui_first
from desktop.ui.markdown import RenderedPieces, render_pieces

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.ui.message_widget import MessageWidget

STEP_BUDGET_S = 0.004
"""UI-thread work per loop turn; laying out and painting what changed follows in the frame."""
NEXT_TURN_MS = 1  # a timer, not a queued call: paint and input come first
PLAIN_PIECE_CHARS = 2000  # a long typed message is appended in pieces of about this size
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    """One worker thread for every chat view: pages render one message after another."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-render")
    return _pool


@dataclass
class _Job:
    """One message waiting to be shown, and its body's pieces once rendered."""

    message: Message
    rendered: RenderedPieces | None = None
    widget: MessageWidget | None = None
    pieces: list[str] = field(default_factory=list)  # still to append, in order
    plain: bool = False  # pieces of text as typed, not HTML

    @property
    def deferred(self) -> bool:
        """Whether the body is filled here (a streaming answer fills itself)."""
        return self.message.status is not MessageStatus.STREAMING

    @property
    def needs_render(self) -> bool:
        return self.deferred and self.message.role is Role.ASSISTANT

    @property
    def ready(self) -> bool:
        return self.rendered is not None or not self.needs_render


@dataclass
class _Queue:
    jobs: deque[_Job] = field(default_factory=deque)
    filling: _Job | None = None  # built, body pieces still to append


class ChatFill(QObject):
    """Builds queued messages' widgets a few per loop turn (see the module docstring)."""

    done = Signal()  # everything queued is shown
    _rendered = Signal(object, object, object)  # queue, job, RenderedPieces

    def __init__(
        self, build: Callable[[Message, bool], MessageWidget], parent: QObject | None = None
    ) -> None:
        """`build(message, deferred)` makes a message's widget, puts it at the top, shown and
        laid out (its body at its final width, so the text is laid out once)."""
        super().__init__(parent)
        self._build = build
        self._queue = _Queue()
        self._trash: deque[QWidget] = deque()
        self._stop = threading.Event()  # set: the worker skips what it has not rendered yet
        self._rendered.connect(self._on_rendered)  # queued: emitted in the worker thread
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NEXT_TURN_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    # -- what the chat view asks ----------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether queued messages are still being built or filled."""
        return bool(self._queue.jobs) or self._queue.filling is not None

    def add(self, messages: list[Message]) -> None:
        """Show `messages` (oldest first) above everything shown or queued, newest first."""
        jobs = [_Job(m) for m in reversed(messages)]
        self._queue.jobs.extend(jobs)
        to_render = [job for job in jobs if job.needs_render]
        if to_render:
            self._render(to_render)
        self._schedule()

    def cancel(self) -> None:
        """Drop everything queued; a widget half filled stays as it is (the view hides it)."""
        self._stop.set()
        self._stop = threading.Event()
        self._queue = _Queue()

    def discard(self, widgets: list[QWidget]) -> None:
        """Hide `widgets` now and delete them over the next turns."""
        for widget in widgets:
            widget.hide()
        self._trash.extend(widgets)
        self._schedule()

    def pending(self, message_id: int) -> Message | None:
        return next((j.message for j in self._queue.jobs if j.message.id == message_id), None)

    def replace(self, message: Message) -> None:
        """A queued message changed before it was shown."""
        for job in self._queue.jobs:
            if job.message.id == message.id and job.message.id is not None:
                job.message = message
                if job.needs_render:
                    job.rendered = None
                    self._render([job])

    def drop(self, message_id: int) -> None:
        """A queued message was removed before it was shown."""
        jobs = self._queue.jobs
        self._queue.jobs = deque(j for j in jobs if j.message.id != message_id)

    # -- rendering in a worker ------------------------------------------------------------------

    def _render(self, jobs: list[_Job]) -> None:
        """Render `jobs` in the worker thread, in order; each result comes back as a signal."""
        queue, stop = self._queue, self._stop
        emit = self._rendered.emit

        def work() -> None:
            with ui_first():
                for job in jobs:
                    if stop.is_set():
                        return
                    emit(queue, job, render_pieces(job.message.text))

        _executor().submit(work)

    def _on_rendered(self, queue: _Queue, job: _Job, rendered: RenderedPieces) -> None:
        if queue is self._queue:  # not cancelled meanwhile
            job.rendered = rendered
            self._schedule()

    # -- the UI thread, a little per turn -------------------------------------------------------

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _on_timer_timeout(self) -> None:
        clock = time.perf_counter
        deadline = clock() + STEP_BUDGET_S
        while clock() < deadline:
            if not self._step():
                break
        if not self.busy and not self._trash:
            return
        if self._has_ready_work():
            self._schedule()

    def _has_ready_work(self) -> bool:
        queue = self._queue
        return (
            queue.filling is not None
            or bool(queue.jobs and queue.jobs[0].ready)
            or bool(self._trash)
        )

    def _step(self) -> bool:
        """One small piece of work; False when nothing is ready now."""
        queue = self._queue
        if queue.filling is not None:
            self._append_next_piece(queue.filling)
            return True
        if queue.jobs and queue.jobs[0].ready:
            self._start(queue.jobs.popleft())
            return True
        if self._trash:
            self._trash.popleft().deleteLater()
            return True
        return False

    def _start(self, job: _Job) -> None:
        job.widget = widget = self._build(job.message, job.deferred)
        text = job.message.text
        if job.deferred and text:
            if job.rendered is not None:
                job.pieces = list(reversed(job.rendered.pieces))
                widget.body.begin_pieces(text, job.rendered.code_blocks)
            else:
                job.pieces, job.plain = list(reversed(_plain_pieces(text))), True
                widget.body.begin_pieces(text, [])
            if job.pieces:
                self._queue.filling = job
        self._finish_if_idle()

    def _append_next_piece(self, job: _Job) -> None:
        assert job.widget is not None
        piece = job.pieces.pop()
        if job.plain:
            job.widget.body.append_plain(piece)
        else:
            job.widget.body.append_piece(piece)
        if not job.pieces:
            self._queue.filling = None
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
