"""Benchmarks run only when asked for by path (`pytest tests/bench -s`), never in the main suite."""

from __future__ import annotations

from pathlib import Path

import pytest

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
