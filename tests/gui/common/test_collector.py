"""Garbage is collected on the UI thread only, however much a worker thread allocates."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from desktop.ui.common.collector import UiThreadCollector

COLLECTED_IN: list[str] = []  # the threads the cycles' finalizers ran in


class Cycle:
    """A reference cycle that notes the thread its finalizer ran in."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        COLLECTED_IN.append(threading.current_thread().name)


@pytest.fixture
def collector(qapp: Any) -> Iterator[UiThreadCollector]:
    was = gc.isenabled()
    running = UiThreadCollector()
    running.start()
    yield running
    running.stop()
    if not was:
        gc.disable()


def test_cycles_made_in_a_worker_are_collected_on_the_ui_thread(collector, aloop, qtbot) -> None:
    COLLECTED_IN.clear()

    def allocate() -> None:  # well past every threshold, in a thread of its own
        for _ in range(20_000):
            Cycle()
            [[] for _ in range(5)]

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()
    assert not gc.isenabled()
    assert COLLECTED_IN == []  # nothing was collected in the worker
    qtbot.waitUntil(lambda: len(COLLECTED_IN) > 10_000, timeout=5000)
    assert set(COLLECTED_IN) == {threading.main_thread().name}
    assert collector.collections >= 1
