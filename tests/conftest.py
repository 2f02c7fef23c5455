"""Shared fixtures: offscreen Qt, a private data home, an in-memory keyring, the fake API."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.keyring_memory import MemoryKeyring


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # After pytest-xvfb (if installed) had its chance to provide a display.
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def desk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own CLAUDE_DESK_HOME and no API key from the environment."""
    home = tmp_path / "desk-home"
    monkeypatch.setenv("CLAUDE_DESK_HOME", str(home))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    return home


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    import keyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def fake_api() -> Iterator[object]:
    """A running fake Anthropic server on 127.0.0.1 (see tests/fake_api)."""
    from tests.fake_api.server import FakeAnthropic

    server = FakeAnthropic()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# qasync leaves a closed loop's timers registered (stopped) until they fire. If garbage collection
# frees such a loop while one of its timers is being delivered, Qt touches a deleted object and
# the process segfaults. Closed loops are therefore kept alive for the whole test session.
_CLOSED_LOOPS: list[asyncio.AbstractEventLoop] = []


@pytest.fixture
def aloop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh qasync event loop per test; drive coroutines with run_until_complete."""
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        asyncio.set_event_loop(None)
        loop.close()
        _CLOSED_LOOPS.append(loop)
