"""Benchmarks run only when asked for by path (`pytest tests/bench -s`), never in the main suite."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import Desk, build_desk

CHUNK_SIZES = (16384,)  # HTTP chunks of 16 KiB, like large TCP reads
STREAM_PROCESS = os.environ.get("CLAUDE_DESK_STREAM_PROCESS", "1") != "0"  # as the app does

BENCH_DIR = Path(__file__).parent.resolve()


def _asked_for(config: pytest.Config) -> bool:
    for arg in config.args:
        path = Path(str(arg).split("::")[0]).resolve()
        if path == BENCH_DIR or BENCH_DIR in path.parents:
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _asked_for(config):
        return
    skip = pytest.mark.skip(reason="benchmark: run `pytest tests/bench -s`")
    for item in items:
        if BENCH_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture
def desk(
    aloop: asyncio.AbstractEventLoop, fake_api: Any, qtbot: Any, qapp: QApplication
) -> Iterator[Desk]:
    """The real window on the fake server, for the benchmarks (gc is unfrozen afterwards)."""
    previous = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    fake_api.chunk_sizes = CHUNK_SIZES
    d = build_desk(aloop, fake_api.base_url, qtbot, stream_process=STREAM_PROCESS)
    try:
        yield d
    finally:
        aloop.run_until_complete(d.controller.tasks.drain())
        aloop.run_until_complete(d.backend.aclose())
        d.store.close()
        qapp.setQuitOnLastWindowClosed(previous)
        gc.unfreeze()
