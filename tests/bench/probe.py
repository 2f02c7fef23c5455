"""The main-thread stall probe shared by the benchmarks: a precise 5 ms timer."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

PROBE_MS = 5


class Probe(QObject):
    """A 5 ms precise timer; its tick times show how long the main thread was away."""

    def __init__(self) -> None:
        super().__init__()
        self.ticks: list[float] = []
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _on_tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def gaps(self, start: float, end: float) -> list[tuple[float, float]]:
        """(from, to) of each tick gap overlapping start..end, clipped to start on the left."""
        pairs = zip(self.ticks, self.ticks[1:], strict=False)
        return [(max(a, start), b) for a, b in pairs if b > start and a < end]

    def worst(self, start: float, end: float) -> float:
        return max((b - a for a, b in self.gaps(start, end)), default=0.0)


def settle(desk: Any, seconds: float = 0.05) -> None:
    """Let deferred deletes, layouts and paints of earlier work finish."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    desk.loop.run_until_complete(asyncio.sleep(seconds))
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
