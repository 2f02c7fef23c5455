"""Stop: how long cancelling an answer takes while the server stalls, vs. the SDK path alone.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/pytest tests/bench/test_stop.py -s

Moved here from the suite, which asserted absolute limits (a Stop click < 100 ms in
tests/gui/chat/test_chat.py, a cancel through the streaming child < 100 ms in
tests/e2e/test_stream_process.py, closing a stream < 500 ms in tests/e2e/test_backend.py); the
suite now proves the same behaviour without a clock (the server stalls for an hour, so only a
cut can end the answer).

The server sends "before" and then stalls. Floor: `AnthropicBackend.stream_message` in this
process (the SDK as the app reads it, no child, no UI): the reading task is cancelled and the
stream closed. Then the same through the streaming child process, and the app: the Stop
button clicked in the real window until the controller reports it is no longer busy (the
answer saved as stopped). Medians of 5, alternating. Assertions are only generous guards (a
loaded 2-core machine must never flake); the printed ratios are the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.api.backend import AnthropicBackend
from desktop.core.conversation import MessageStatus
from tests.bench.probe import settle
from tests.fake_api.script import Stall
from tests.gui.conftest import CHILD_READY_TIMEOUT, TEST_KEY, Desk, run_until

pytestmark = pytest.mark.bench
RUNS = 5
PARAMS: dict[str, Any] = {
    "model": "claude-opus-4-8",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Hello"}],
}


def stalled(events: list[dict[str, Any]]) -> bool:
    """The text before the stall arrived (in deltas of any size); the reader waits for more."""
    return "".join(e.get("delta", {}).get("text", "") for e in events) == "before"


async def cancel_time(backend: AnthropicBackend, fake: Any) -> float:
    """Seconds from cancelling the reader of a stalled answer until its stream is closed."""
    fake.enqueue(Stall("before", seconds=3600))
    stream = backend.stream_message(PARAMS)
    seen: list[dict[str, Any]] = []

    async def read() -> None:
        async for event in stream:
            seen.append(event)

    task = asyncio.ensure_future(read())
    while not stalled(seen):
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.02)  # the reader is waiting inside the stall
    started = time.perf_counter()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await stream.aclose()  # type: ignore[attr-defined]
    return time.perf_counter() - started


def app_stop_time(desk: Desk, qtbot: Any, fake: Any) -> float:
    """Seconds from the Stop click until the controller is no longer busy."""
    desk.controller.new_conversation()
    fake.enqueue(Stall("before", seconds=3600))
    composer = desk.window.composer
    composer.setFocus()
    qtbot.keyClicks(composer, "Tell me a long story")
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    desk.until(lambda: desk.last_answer() and "before" in desk.last_answer().body.toPlainText())
    settle(desk, 0.05)
    idle: list[float] = []

    def on_busy_changed(busy: bool) -> None:
        if not busy:
            idle.append(time.perf_counter())

    desk.controller.busy_changed.connect(on_busy_changed)
    try:
        started = time.perf_counter()
        qtbot.mouseClick(desk.window.stop_button, Qt.MouseButton.LeftButton)
        desk.until(lambda: idle)
    finally:
        desk.controller.busy_changed.disconnect(on_busy_changed)
    assert desk.last_answer().message.status is MessageStatus.STOPPED
    return idle[0] - started


def test_stopping_a_stalled_answer(desk: Desk, qtbot: Any, fake_api: Any) -> None:
    loop = desk.loop
    alone = AnthropicBackend(fake_api.base_url, timeout=30.0)
    child = AnthropicBackend(fake_api.base_url, timeout=30.0, stream_process=True)
    for backend in (alone, child):
        backend.set_api_key(TEST_KEY)
    process = child.stream_process
    assert process is not None
    run_until(loop, lambda: process.ready, CHILD_READY_TIMEOUT)
    floor, through_child, app = [], [], []
    try:
        loop.run_until_complete(cancel_time(alone, fake_api))  # warm connections and paths
        loop.run_until_complete(cancel_time(child, fake_api))
        app_stop_time(desk, qtbot, fake_api)
        for _ in range(RUNS):
            floor.append(loop.run_until_complete(cancel_time(alone, fake_api)))
            through_child.append(loop.run_until_complete(cancel_time(child, fake_api)))
            app.append(app_stop_time(desk, qtbot, fake_api))
    finally:
        loop.run_until_complete(alone.aclose())
        loop.run_until_complete(child.aclose())
    base = statistics.median(floor)
    piped, clicked = statistics.median(through_child), statistics.median(app)
    print(
        f"\nstop a stalled answer: SDK in-process cancel {base * 1000:.2f} ms; through the "
        f"streaming child {piped * 1000:.2f} ms (ratio {piped / base:.1f}); the Stop button "
        f"until idle {clicked * 1000:.1f} ms (ratio {clicked / base:.1f})"
    )
    assert clicked < base * 200 + 0.25  # a generous guard; the measured numbers are above
