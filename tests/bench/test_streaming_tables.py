"""Streaming answers that are mostly one long block: a 1,500-row table, a 1,500-item list.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/pytest tests/bench/test_streaming_tables.py -s

Same method as `test_streaming.py` (the real window on the fake server at full speed, the SDK
draining the same stream alone as the baseline, a 5 ms probe timer for main-thread stalls,
the largest gap in the first and the last 20 % of the time). Neither answer has a blank line
inside its table or list, so these measure whether the cost of showing new text stays flat
as one block grows. Targets: every stall <= 16 ms, ratio <= 1.5.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest

from desktop.render.markdown import warm_up
from tests.bench.long_blocks import list_markdown, table_markdown
from tests.bench.probe import settle
from tests.bench.streaming_answer import sse_body, token_deltas
from tests.bench.test_streaming import (
    WARM_REPLY,
    Answer,
    AppRun,
    SdkDrainer,
    frozen_gc,  # noqa: F401  (the fixture)
    send_and_watch,
)
from tests.fake_api.script import SseFile, TextReply
from tests.gui.conftest import Desk

pytestmark = pytest.mark.bench

RUNS = 2
CHARS_PER_DELTA = 4  # about one token


@pytest.mark.usefixtures("frozen_gc")
@pytest.mark.parametrize(
    ("label", "make"), [("1,500-row table", table_markdown), ("1,500-item list", list_markdown)]
)
def test_streaming_one_long_block(
    desk: Desk,
    qtbot: Any,
    fake_api: Any,
    tmp_path: Any,
    label: str,
    make: Callable[[], str],
) -> None:
    text = make()
    count = len(text) // CHARS_PER_DELTA
    answer = Answer(text, sse_body(token_deltas(text, count), tmp_path / "answer.sse"))
    warm_up()
    send_and_watch(desk, qtbot, fake_api, TextReply(WARM_REPLY), WARM_REPLY)  # warm the app
    drainer = SdkDrainer(desk.loop, fake_api)
    sdk: list[float] = []
    runs: list[AppRun] = []
    try:
        for _ in range(RUNS):
            settle(desk)
            sdk.append(drainer.run(answer))
            runs.append(send_and_watch(desk, qtbot, fake_api, SseFile(answer.sse), answer.text))
    finally:
        drainer.close()
    baseline = statistics.median(sdk)
    app = statistics.median(r.total for r in runs)
    print(
        f"\n{label}: {count:,} deltas, {len(text.encode()) / 1000:.0f} KB; SDK alone "
        + ", ".join(f"{s * 1000:.0f}" for s in sdk)
        + " ms"
    )
    for run in runs:
        print(run.line(baseline))
    start = statistics.median(r.stall_start for r in runs)
    end = statistics.median(r.stall_end for r in runs)
    print(
        f"{label}: app {app * 1000:.0f} ms vs SDK alone {baseline * 1000:.0f} ms, "
        f"ratio {app / baseline:.2f}; longest main-thread stall start {start * 1000:.1f} ms, "
        f"end {end * 1000:.1f} ms (worst run {max(r.stall_all for r in runs) * 1000:.1f} ms)"
    )
    # Generous guards only: the printed numbers are the report.
    assert app / baseline < 20


SPOKEN_CHARS_PER_FLUSH = 12  # ~360 characters a second at 30 flushes a second (~90 tokens/s)


def test_a_table_at_the_pace_of_an_answer(qtbot: Any) -> None:
    """A 200-row table streamed at an answer's pace into a body in a 640 px scroll area.

    Each 33 ms step appends three 4-character deltas, flushes, lets Qt lay out and paint,
    scrolls to the bottom (as the chat does) and paints again. Reports how many steps had any
    work and how long they took. Target: no step over 16 ms.
    """
    from PySide6.QtWidgets import QApplication, QScrollArea

    from desktop.ui.chat.message_body import MessageBody

    warm_up()
    area = QScrollArea()
    qtbot.addWidget(area)
    area.setWidgetResizable(True)
    body = MessageBody()
    area.setWidget(body)
    area.resize(840, 640)
    area.show()
    QApplication.processEvents()
    text, steps = table_markdown(200), []
    bar = area.verticalScrollBar()
    for start in range(0, len(text), SPOKEN_CHARS_PER_FLUSH):
        piece = text[start : start + SPOKEN_CHARS_PER_FLUSH]
        for i in range(0, len(piece), CHARS_PER_DELTA):
            body.append_text(piece[i : i + CHARS_PER_DELTA])
        began = time.perf_counter()
        body.flush()
        QApplication.processEvents()
        bar.setValue(bar.maximum())
        QApplication.processEvents()
        steps.append(time.perf_counter() - began)
    body.finish()
    worked = [s for s in steps if s > 0.002]
    print(
        f"\n200-row table at ~{SPOKEN_CHARS_PER_FLUSH * 30} chars/s: {len(steps)} steps, "
        f"{len(worked)} with work (> 2 ms), median {statistics.median(worked) * 1000:.1f} ms, "
        f"longest {max(steps) * 1000:.1f} ms, {sum(s > 0.016 for s in steps)} over 16 ms"
    )
    assert body.markdown_text() == text
