"""Dropping a 150-megapixel PNG (just under the pixel limit) on the composer: the main thread
never stalls while it is prepared (a strip at a time, in a worker).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/pytest tests/bench/test_big_png_drop.py -s

The largest gap between ticks of a 5 ms probe on the main thread, from the drag until the chip
shows its prepared size and thumbnail, is printed with the floor: the largest gap over the
same span with nothing dropped. The assertion is a generous guard only.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest

from tests.bench.probe import PROBE_MS, Probe, settle
from tests.bench.test_image_drop import distribution, drag_and_drop
from tests.big_png import write_big_png
from tests.gui.attachments.test_images import file_mime
from tests.gui.conftest import Desk

pytestmark = pytest.mark.bench
GUARD_S = 0.100


def ready(desk: Desk) -> bool:
    strip = desk.window.attachment_strip
    chips = strip.chips() if strip is not None else []
    return (
        len(chips) == 1
        and chips[0].item.prepared is not None
        and not chips[0].thumbnail.pixmap().isNull()
    )


def test_dropping_a_150_megapixel_png(desk: Desk, tmp_path: Path) -> None:
    mime = file_mime([write_big_png(tmp_path / "poster.png")])
    settle(desk, 0.05)
    gc.collect()
    gc.freeze()
    probe = Probe()
    probe.start()
    settle(desk, 0.05)
    events: list[float] = []
    drag_and_drop(desk.window.composer.viewport(), mime, events)
    try:
        desk.until(lambda: len(events) == 2 and ready(desk), timeout=120)
        end = time.perf_counter()
        settle(desk, 0.03)
        idle_start = time.perf_counter()
        settle(desk, end - events[0])  # the floor: the same span with nothing to do
        idle_end = time.perf_counter()
    finally:
        probe.stop()
    gaps = [b - a for a, b in probe.gaps(events[0], end)]
    floor = probe.worst(idle_start, idle_end)
    worst = max(gaps)
    print(
        f"\n150 MP PNG: ready {(end - events[1]) * 1000:.0f} ms after the drop; largest "
        f"main-thread gap {worst * 1000:.1f} ms (idle floor {floor * 1000:.1f} ms, ratio "
        f"{worst / max(floor, 1e-9):.1f}; {PROBE_MS} ms probe)\n  gaps: {distribution(gaps)}"
    )
    assert worst < GUARD_S
