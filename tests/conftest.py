"""Shared fixtures: offscreen Qt, a private data home, an in-memory keyring, the fake API."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.keyring_memory import MemoryKeyring

if TYPE_CHECKING:
    from tests.fake_api.server import FakeAnthropic


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


# -- the fake Anthropic server (tests/fake_api): every fixture that runs one lives here ---------


@pytest.fixture
def start_fake_api() -> Iterator[Callable[..., FakeAnthropic]]:
    """Start fake servers with options (`accepted_keys=...`, `port=...`) during a test; each
    is stopped afterwards (stopping one earlier, as a "network down" test does, is fine)."""
    from tests.fake_api.server import FakeAnthropic

    servers: list[FakeAnthropic] = []

    def start(**options: Any) -> FakeAnthropic:
        server = FakeAnthropic(**options).start()
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def fake_api(start_fake_api: Callable[..., FakeAnthropic]) -> FakeAnthropic:
    """A running fake Anthropic server on 127.0.0.1, accepting any key."""
    return start_fake_api()


@pytest.fixture
def api(fake_api: FakeAnthropic) -> FakeAnthropic:
    """`fake_api` under the name the API-level tests use."""
    return fake_api


@pytest.fixture
def fake_server(fake_api: FakeAnthropic) -> FakeAnthropic:
    """`fake_api` under the name the packaging tests use."""
    return fake_api


@pytest.fixture(scope="module")
def server() -> Iterator[FakeAnthropic]:
    """One fake server for a whole module (tests that share a slow-to-start client)."""
    from tests.fake_api.server import FakeAnthropic

    shared = FakeAnthropic().start()
    try:
        yield shared
    finally:
        shared.stop()


# qasync leaves a closed loop's timers registered (stopped) until they fire. If garbage collection
# frees such a loop while one of its timers is being delivered, Qt touches a deleted object and
# the process segfaults. Closed loops are therefore kept alive for the whole test session.
_CLOSED_LOOPS: list[asyncio.AbstractEventLoop] = []
TEARDOWN_WAIT_S = 30.0  # for a test's tasks to end once cancelled


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
        stuck: set[asyncio.Task[object]] = set()
        if pending:  # a task that ignores its cancellation fails the test instead of hanging it
            _, stuck = loop.run_until_complete(asyncio.wait(pending, timeout=TEARDOWN_WAIT_S))
        asyncio.set_event_loop(None)
        if not stuck:
            loop.close()
        _CLOSED_LOOPS.append(loop)
        assert not stuck, "tasks still running after cancel: " + "; ".join(
            f"{t!r} at {t.get_stack(limit=3)}" for t in stuck
        )
