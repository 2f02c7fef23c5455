"""Frames while one answer body takes 20,000 deltas from a timer, vs. a plain text edit.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/pytest tests/bench/test_message_body_frames.py -s

Moved here from tests/gui/chat/test_message_body.py, which asserted "the longest 5 ms-timer gap
< 50 ms" and failed on a loaded machine (a 56 ms frame). The same Feeder (50 deltas per timer
turn, paced every 2 ms like the SDK, or as fast as the loop turns) feeds ~80 KB of markdown
into a `MessageBody` in a scroll area as in the chat, and, as the floor, into a bare
`QPlainTextEdit` (text inserted at the end, no markdown, no layout work of ours): the least
any view showing the same stream costs on this machine in this run. The 5 ms probe timer's
longest gap is compared; runs alternate, median of 3. The target: every gap <= 16 ms; the
assertion is only a generous guard (a loaded 2-core machine must never flake).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from desktop.render.markdown import warm_up
from desktop.ui.chat.message_body import MessageBody
from tests.bench.test_streaming import frozen_gc  # noqa: F401  (the fixture)
from tests.gui.chat.test_message_body import Feeder, chat_like, long_answer, split_deltas

pytestmark = pytest.mark.bench
RUNS = 3
DELTAS = 20_000
FRAME_S = 0.016


class PlainBody(QPlainTextEdit):
    """The floor: the Feeder's three calls on a plain text edit."""

    up_to_date = True

    def append_text(self, delta: str) -> None:
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(delta)

    def finish(self) -> None:
        pass


def time_flushes(widget: MessageBody) -> list[float]:
    """Record how long each document update of `widget` takes."""
    durations: list[float] = []
    flush_once = widget._flush_once

    def timed(budget_s: float | None) -> None:
        start = time.perf_counter()
        flush_once(budget_s)
        durations.append(time.perf_counter() - start)

    widget._flush_once = timed  # type: ignore[method-assign]
    return durations


def feed(qtbot: Any, widget: Any, deltas: list[str], interval_ms: int) -> tuple[float, float]:
    """(longest probe gap, total seconds) while `widget` takes every delta."""
    feeder = Feeder(widget, deltas, interval_ms)
    started = time.perf_counter()
    feeder.start()
    qtbot.waitUntil(feeder.finished, timeout=120_000)
    return max(feeder.gaps), time.perf_counter() - started


def plain(qtbot: Any) -> PlainBody:
    widget = PlainBody()
    qtbot.addWidget(widget)
    widget.resize(760, 600)
    widget.show()
    return widget


@pytest.mark.usefixtures("frozen_gc")
@pytest.mark.parametrize(
    ("interval_ms", "label"), [(2, "paced like the SDK"), (0, "as fast as the loop turns")]
)
def test_frames_while_a_body_streams_20k_deltas(qtbot: Any, interval_ms: int, label: str) -> None:
    warm_up()
    text = long_answer()
    deltas = split_deltas(text, DELTAS)
    floors, apps, flushes = [], [], []
    for _ in range(RUNS):  # interleaved: a machine that slows down affects both alike
        floors.append(feed(qtbot, plain(qtbot), deltas, interval_ms))
        _area, body = chat_like(qtbot)
        durations = time_flushes(body)
        apps.append(feed(qtbot, body, deltas, interval_ms))
        assert body.markdown_text() == text
        flushes += durations
    floor = statistics.median(gap for gap, _ in floors)
    app = statistics.median(gap for gap, _ in apps)
    ratio = app / floor
    print(
        f"\n20k deltas into one body ({len(text) / 1000:.0f} KB, {label}): longest 5 ms-timer gap "
        f"{app * 1000:.1f} ms (MessageBody) vs {floor * 1000:.1f} ms (plain QPlainTextEdit), "
        f"ratio {ratio:.2f} (target: every gap <= {FRAME_S * 1000:.0f} ms); total "
        f"{statistics.median(t for _, t in apps) * 1000:.0f} vs "
        f"{statistics.median(t for _, t in floors) * 1000:.0f} ms; {len(flushes)} flushes, "
        f"longest {max(flushes) * 1000:.1f} ms, median {statistics.median(flushes) * 1000:.1f} ms"
    )
    assert ratio < 10.0  # a generous guard; the measured numbers are printed above
