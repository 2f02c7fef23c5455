"""Dropping ten 24-megapixel photos on the composer at once: the main thread never stalls.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/pytest tests/bench -s

The real window (`build_desk`: Pillow preparer, blob store) gets a real `QDropEvent` holding ten
file URLs on the composer; a 5 ms precise timer on the main thread notes when it ticks, from
before the drop until all ten chips show their prepared size and thumbnail. The largest gap
between ticks is how long the main thread was away at once (the issue's target: 16 ms, one
frame at 60 Hz); the total time and the distribution of gaps are printed too. The assertion is
only a generous guard (a loaded 2-core machine must never flake); the printed numbers are the
report.
"""

from __future__ import annotations

import gc
import shutil
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from tests.bench.probe import PROBE_MS, Probe, settle
from tests.bench.test_image_prep import camera_jpeg
from tests.gui.attachments.test_images import file_mime
from tests.gui.conftest import Desk

pytestmark = pytest.mark.bench
PHOTOS = 10
FRAME_S = 0.016
GUARD_S = 0.100
BUCKETS_MS = (8, 12, 16, 25, 50, 100)


def distribution(gaps: list[float]) -> str:
    counts = []
    low = 0
    for high in BUCKETS_MS:
        n = sum(1 for g in gaps if low <= g * 1000 < high)
        counts.append(f"{low}-{high} ms: {n}")
        low = high
    counts.append(f">= {low} ms: {sum(1 for g in gaps if g * 1000 >= low)}")
    return ", ".join(counts)


def drag_and_drop(target: QWidget, mime: QMimeData, times: list[float]) -> None:
    """A drag entering `target`, then (a frame later, as a window system delivers them) the drop."""
    point = target.rect().center()
    action = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

    def enter() -> None:
        times.append(time.perf_counter())
        QApplication.sendEvent(target, QDragEnterEvent(QPoint(point), action, mime, buttons, mods))
        QTimer.singleShot(20, release)

    def release() -> None:
        times.append(time.perf_counter())
        QApplication.sendEvent(target, QDropEvent(QPointF(point), action, mime, buttons, mods))

    QTimer.singleShot(0, enter)


def all_ready(desk: Desk) -> bool:
    strip = desk.window.attachment_strip
    assert strip is not None
    chips = strip.chips()
    return (
        len(chips) == PHOTOS
        and all(chip.item.prepared is not None for chip in chips)
        and all(not chip.thumbnail.pixmap().isNull() for chip in chips)
    )


def test_dropping_ten_24_megapixel_photos(desk: Desk, tmp_path: Path) -> None:
    first = tmp_path / "photo-01.jpg"
    first.write_bytes(camera_jpeg())
    files = [first]
    for i in range(2, PHOTOS + 1):
        files.append(Path(shutil.copyfile(first, tmp_path / f"photo-{i:02d}.jpg")))
    mime = file_mime(files)
    target = desk.window.composer.viewport()
    settle(desk, 0.05)
    gc.collect()
    gc.freeze()  # as the app does after startup

    probe = Probe()
    probe.start()
    settle(desk, 0.05)  # the probe ticks steadily before the drop
    events: list[float] = []  # when the drag entered, when it was dropped
    drag_and_drop(target, mime, events)
    try:
        desk.until(lambda: len(events) == 2 and all_ready(desk), timeout=120)
        end = time.perf_counter()
        settle(desk, 0.03)  # the tick after the last chip closes the last gap
    finally:
        probe.stop()
    start, dropped = events
    spans = probe.gaps(start, end)
    gaps = [b - a for a, b in spans]
    worst = max(gaps)
    worst_at = next(a for a, b in spans if b - a == worst) - dropped
    drop_frame = max(b - a for a, b in probe.gaps(dropped, dropped + 0.001))
    size = first.stat().st_size / 1e6
    print(
        f"\ndropping {PHOTOS} × 24 MP JPEG ({size:.1f} MB each): all chips ready in "
        f"{(end - dropped) * 1000:.0f} ms after the drop; largest main-thread gap "
        f"{worst * 1000:.1f} ms at {worst_at * 1000:+.0f} ms (target <= 16 ms with a {PROBE_MS} ms probe; the drop's own "
        f"{drop_frame * 1000:.1f} ms), "
        f"{sum(1 for g in gaps if g > FRAME_S)} of {len(gaps)} gaps > 16 ms\n"
        f"  gaps: {distribution(gaps)}"
    )
    strip = desk.window.attachment_strip
    assert strip is not None
    assert [c.name_label.text() for c in strip.chips()] == [f.name for f in files]
    assert worst < GUARD_S  # a generous guard; the measured stall is printed above
