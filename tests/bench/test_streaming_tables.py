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
from collections.abc import Callable
from typing import Any

import pytest

from desktop.ui.markdown import warm_up
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
