"""Streaming: 20,000 deltas (~80 KB of markdown with code) from the fake server at full speed.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/pytest tests/bench -s

Baseline: the SDK draining the same stream with no UI, exactly as the app reads it
(`AnthropicBackend.stream_message`, raw `create(stream=True)`), on a qasync loop like the app's;
median of 3. A plain-asyncio drain is printed too, for reference.

App: the real window, controller and backend (build_desk wiring, offscreen). A message is typed
into the composer and sent with Return; the time runs from that key press to the first paint
of the answer's viewport after the body is up to date and no longer streaming (measured when
that repaint pass has finished). A 5 ms precise QTimer records main-thread stalls all along;
the largest gap in the first 20 % and the last 20 % of that time is reported, and overall.

The answer is `TextReply.many_deltas(deltas)` rendered once by the fake server's own renderer
and replayed as an `SseFile` (rendering 20 k events per request would cost ~50 ms of this
process's GIL inside both measurements). The fake server writes it in 16 KiB HTTP chunks (`chunk_sizes = (16384,)`), all at once;
the client reads whatever the socket holds (up to the SDK's 64 KiB reads), as from a fast link.
The issue's targets: ratio <= 1.5 and every stall <= 16 ms. The assertions are only generous
guards (a loaded 2-core machine must never flake); the printed numbers are the report.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer

from desktop.api.backend import AnthropicBackend
from desktop.core.conversation import MessageStatus
from desktop.render.markdown import warm_up
from tests.bench.conftest import CHUNK_SIZES
from tests.bench.probe import Probe, settle
from tests.bench.streaming_answer import DELTAS, long_markdown, sse_body, token_deltas
from tests.fake_api.script import SseFile, TextReply
from tests.gui.conftest import TEST_KEY, Desk

pytestmark = pytest.mark.bench

RUNS = 3

FRAME_S = 0.016
PROMPT = "Explain streaming rendering"
WARM_REPLY = "# Warm\n\nSome **bold** and `code`.\n\n- a\n- b\n\n```python\nx = 1\n```\n\nDone.\n"


# -- the answer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    text: str
    sse: Path


@pytest.fixture(scope="module")
def answer(tmp_path_factory: pytest.TempPathFactory) -> Answer:
    text = long_markdown()
    path = tmp_path_factory.mktemp("stream") / "answer.sse"
    return Answer(text, sse_body(token_deltas(text, DELTAS), path))


# -- baseline: the SDK alone -------------------------------------------------------------------


def sdk_params() -> dict[str, Any]:
    return {
        "model": "claude-opus-4-8",
        "max_tokens": 32000,
        "messages": [{"role": "user", "content": [{"type": "text", "text": PROMPT}]}],
    }


async def drain(backend: AnthropicBackend) -> tuple[float, str]:
    """Read one whole answer as the app does, keeping only its text; (seconds, text)."""
    parts: list[str] = []
    start = time.perf_counter()
    async for event in backend.stream_message(sdk_params()):
        if event["type"] == "content_block_delta":
            parts.append(event["delta"]["text"])
    return time.perf_counter() - start, "".join(parts)


class SdkDrainer:
    """A backend of its own on `loop`, with a warm connection."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fake: Any) -> None:
        self.loop, self.fake = loop, fake
        self.backend = AnthropicBackend(base_url=fake.base_url, timeout=30.0)
        self.backend.set_api_key(TEST_KEY)
        fake.enqueue(TextReply(WARM_REPLY))
        loop.run_until_complete(drain(self.backend))

    def run(self, answer: Answer) -> float:
        self.fake.enqueue(SseFile(answer.sse))
        seconds, text = self.loop.run_until_complete(drain(self.backend))
        assert text == answer.text
        return seconds

    def close(self) -> None:
        self.loop.run_until_complete(self.backend.aclose())


# -- the app -----------------------------------------------------------------------------------


class PaintWatcher(QObject):
    """Watches the answer body's viewport: first painted text, and the paint that shows it all."""

    def __init__(self, desk: Desk, expected_chars: int, done: asyncio.Future[float]) -> None:
        super().__init__()
        self.desk, self.expected, self.done = desk, expected_chars, done
        self.answer = desk.last_answer()  # type: ignore[no-untyped-call]
        assert self.answer is not None
        self.body = self.answer.body
        self.first_text: float | None = None
        self.complete_paint: float | None = None
        self.body.viewport().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint or self.complete_paint is not None:
            return False
        now = time.perf_counter()
        if self.first_text is None and self.body.document().characterCount() > 1:
            self.first_text = now
        if self._shows_everything():
            self.complete_paint = now
            QTimer.singleShot(0, self._after_paint)  # runs once this repaint pass is done
        return False

    def _shows_everything(self) -> bool:
        body = self.body
        return (
            not self.desk.controller.is_streaming
            and not body.streaming
            and body.up_to_date
            and len(body.markdown_text()) == self.expected
        )

    def _after_paint(self) -> None:
        if not self.done.done():
            self.done.set_result(time.perf_counter())

    def remove(self) -> None:
        self.body.viewport().removeEventFilter(self)


@dataclass
class AppRun:
    total: float  # key press -> the last character painted
    first_text: float  # key press -> first painted text
    drained: float  # key press -> the controller reported the answer complete
    send: float  # handling the key press itself (save, new widgets), before the loop runs
    stall_start: float
    stall_end: float
    stall_all: float
    send_frame: float  # the gap holding the key press: saving, new widgets, their first paint
    slow_gaps: int  # gaps > 16 ms
    gaps: int

    def line(self, baseline: float) -> str:
        return (
            f"  app: last char painted {self.total * 1000:.0f} ms "
            f"(ratio {self.total / baseline:.2f}), Return handled in {self.send * 1000:.1f} ms, "
            f"first text {self.first_text * 1000:.0f} ms, "
            f"stream drained {self.drained * 1000:.0f} ms; stalls start/end/overall "
            f"{self.stall_start * 1000:.1f}/{self.stall_end * 1000:.1f}/"
            f"{self.stall_all * 1000:.1f} ms (the key press's own frame {self.send_frame * 1000:.1f}), "
            f"{self.slow_gaps} of {self.gaps} gaps > 16 ms"
        )


def send_and_watch(desk: Desk, qtbot: Any, fake: Any, reply: Any, expected: str) -> AppRun:
    desk.controller.new_conversation()
    settle(desk)
    gc.collect()
    gc.freeze()  # as the app does after startup; nothing else is collected mid-stream either
    fake.enqueue(reply)
    composer = desk.window.composer
    composer.setFocus()
    qtbot.keyClicks(composer, PROMPT)
    probe = Probe()
    probe.start()
    settle(desk, 0.03)  # the probe ticks steadily before the key press
    done: asyncio.Future[float] = desk.loop.create_future()
    drained: list[float] = []

    def on_busy_changed(busy: bool) -> None:
        if not busy:
            drained.append(time.perf_counter())

    desk.controller.busy_changed.connect(on_busy_changed)
    start = time.perf_counter()
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    sent = time.perf_counter()  # the key press handled: message saved, widgets added
    watcher = PaintWatcher(desk, len(expected), done)
    try:
        end = desk.loop.run_until_complete(asyncio.wait_for(done, 60))
        settle(desk, 0.02)  # the tick after the last paint closes the last gap
    finally:
        probe.stop()
        watcher.remove()
        desk.controller.busy_changed.disconnect(on_busy_changed)
    answer = watcher.answer
    assert answer.message.status is MessageStatus.COMPLETE
    assert answer.body.markdown_text() == expected
    total = end - start
    gaps = probe.gaps(start, end)
    assert watcher.first_text is not None and drained
    return AppRun(
        total=total,
        first_text=watcher.first_text - start,
        drained=drained[0] - start,
        send=sent - start,
        stall_start=probe.worst(start, start + 0.2 * total),
        stall_end=probe.worst(end - 0.2 * total, end),
        stall_all=probe.worst(start, end),
        send_frame=gaps[0][1] - gaps[0][0],
        slow_gaps=sum(1 for a, b in gaps if b - a > FRAME_S),
        gaps=len(gaps),
    )


@pytest.fixture
def frozen_gc() -> Iterator[None]:
    try:
        yield
    finally:
        gc.unfreeze()


# -- the benchmark -----------------------------------------------------------------------------


@pytest.mark.usefixtures("frozen_gc")
def test_streaming_20k_deltas_from_the_fake_server(
    desk: Desk, qtbot: Any, fake_api: Any, answer: Answer
) -> None:
    warm_up()  # the app warms markdown-it and the lexers while idle after startup
    send_and_watch(desk, qtbot, fake_api, TextReply(WARM_REPLY), WARM_REPLY)  # warm the app
    on_qasync = SdkDrainer(desk.loop, fake_api)
    plain_loop = asyncio.new_event_loop()
    on_asyncio = SdkDrainer(plain_loop, fake_api)
    sdk: list[float] = []
    sdk_plain: list[float] = []
    runs: list[AppRun] = []
    try:
        for _ in range(RUNS):  # interleaved, so drift of the machine hits both alike
            settle(desk)
            gc.collect()
            gc.freeze()
            sdk.append(on_qasync.run(answer))
            sdk_plain.append(on_asyncio.run(answer))
            runs.append(send_and_watch(desk, qtbot, fake_api, SseFile(answer.sse), answer.text))
    finally:
        on_qasync.close()
        on_asyncio.close()
        plain_loop.close()

    baseline = statistics.median(sdk)
    app = statistics.median(r.total for r in runs)
    ratio = app / baseline
    start = statistics.median(r.stall_start for r in runs)
    end = statistics.median(r.stall_end for r in runs)
    overall = statistics.median(r.stall_all for r in runs)
    worst = max(r.stall_all for r in runs)
    send_frame = statistics.median(r.send_frame for r in runs)
    size = len(answer.text.encode())
    print(
        f"\nstreaming {DELTAS:,} deltas, {size / 1000:.0f} KB of markdown, "
        f"{answer.sse.stat().st_size / 1e6:.1f} MB of SSE in {CHUNK_SIZES[0]}-byte chunks:\n"
        f"  SDK alone (AnthropicBackend.stream_message): qasync loop "
        + ", ".join(f"{s * 1000:.0f}" for s in sdk)
        + " ms; plain asyncio "
        + ", ".join(f"{s * 1000:.0f}" for s in sdk_plain)
        + " ms"
    )
    for run in runs:
        print(run.line(baseline))
    print(
        f"streaming: app {app * 1000:.0f} ms vs SDK alone {baseline * 1000:.0f} ms, "
        f"ratio {ratio:.2f} (target <= 1.5); longest main-thread stall "
        f"start {start * 1000:.1f} ms, end {end * 1000:.1f} ms, overall {overall * 1000:.1f} ms "
        f"(worst run {worst * 1000:.1f} ms; target <= 16; the key press's own frame "
        f"{send_frame * 1000:.1f} ms)"
    )
    # Generous guards only: the numbers above are the report.
    assert ratio < 4.0
    assert worst < 0.100
