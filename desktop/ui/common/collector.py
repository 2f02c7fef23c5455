"""Garbage collection on the UI thread only.

Worker threads allocate too (the SDK's token-count loop, the MCP servers' loop, `to_thread`
workers), and an automatic collection runs in whichever thread passes the threshold: a cycle
that holds a Qt object, collected there, would destroy it off the UI thread (a crash). So the
automatic collector is turned off and the UI thread collects on a timer instead, the same
generations Python would have (those whose counts passed their thresholds); a full collection
at most every `FULL_EVERY_S` (Python holds those back too, until the long-lived objects have
grown by a quarter; after `gc.freeze()` there are few).
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

CHECK_EVERY_MS = 100
FULL_EVERY_S = 10.0


class UiThreadCollector(QObject):
    """`start()` on the UI thread, once the app has started (after `gc.freeze()`)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.collections = 0
        self._last_full = time.monotonic()

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Back to Python's own collector (tests; the app keeps this one to the end)."""
        self._timer.stop()
        gc.enable()

    def _on_timer_timeout(self) -> None:
        counts, limits = gc.get_count(), self._thresholds
        if counts[0] <= limits[0]:
            return
        generation = 2 if counts[2] > limits[2] else 1 if counts[1] > limits[1] else 0
        if generation == 2:
            now = time.monotonic()
            if now - self._last_full < FULL_EVERY_S:
                generation = 1
            else:
                self._last_full = now
        gc.collect(generation)
        self.collections += 1
