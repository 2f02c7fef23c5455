"""GUI fixtures: the real window wired to a temporary history and the fake API over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from desktop.api.backend import AnthropicBackend
from desktop.api.batches import AnthropicBatches
from desktop.app import LazyImagePreparer, load_catalog
from desktop.media.documents import PypdfDocumentPreparer
from desktop.storage.batches import SqliteBatchStore
from desktop.storage.blobs import BlobStore
from desktop.storage.database import SqliteConversationStore
from desktop.storage.exports import FileExports
from desktop.storage.paths import AppPaths
from desktop.ui.batches.controller import BatchesController
from desktop.ui.batches.wiring import BatchesFeature
from desktop.ui.chat.controller import ChatController
from desktop.ui.shell.main_window import MainWindow

TEST_KEY = "sk-ant-api03-test-SECRET-7f3a9c1e5b"


@pytest.fixture(scope="session", autouse=True)
def sdk_imported() -> None:
    """Import the SDK once, before any test waits for something. Its import takes ~1 s on an
    idle machine but 7-20 s while other test runs load both cores; inside a wait (the first
    answer, the first key check) it made 10-15 s caps fail. The app imports it in the
    background after the first paint; that order is tested in subprocesses (tests/e2e,
    tests/unit/test_startup_path.py, tests/bench/first_paint.py)."""
    import anthropic  # noqa: F401


@pytest.fixture(autouse=True)
def keep_app_alive(qapp: QApplication) -> Iterator[None]:
    """Closing the last window must not quit the app (and stop the loop) mid-test."""
    previous = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    yield
    qapp.setQuitOnLastWindowClosed(previous)


def run_until(
    loop: asyncio.AbstractEventLoop, condition: Callable[[], object], timeout: float = 10.0
) -> float:
    """Run the event loop until `condition()` is true; returns the seconds it took."""
    start = time.perf_counter()

    async def wait() -> None:
        while not condition():
            if time.perf_counter() - start > timeout:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(0.005)

    loop.run_until_complete(wait())
    return time.perf_counter() - start


@dataclass
class Desk:
    """The app's parts for one test."""

    paths: AppPaths
    store: SqliteConversationStore
    backend: AnthropicBackend
    controller: ChatController
    window: MainWindow
    loop: asyncio.AbstractEventLoop
    blobs: BlobStore | None = None

    def until(self, condition: Callable[[], object], timeout: float = 10.0) -> float:
        return run_until(self.loop, condition, timeout)

    def assistant_widgets(self) -> list:
        return [
            w
            for w in self.window.chat_view.message_widgets()
            if w.objectName() == "assistant_message"
        ]

    def last_answer(self):
        widgets = self.assistant_widgets()
        return widgets[-1] if widgets else None

    def idle(self) -> bool:
        return not self.controller.is_streaming

    def shown(self, count: int) -> list:
        """Wait until the chat shows `count` messages, all filled in (opening a conversation
        fills it in over a few frames, newest first); returns them top to bottom."""
        view = self.window.chat_view
        self.until(lambda: len(view.message_widgets()) == count and not view.filling)
        return view.message_widgets()


CHILD_READY_TIMEOUT = 60.0  # seconds for the streaming child to import the SDK (a busy machine)


def build_desk(
    loop: asyncio.AbstractEventLoop,
    base_url: str,
    qtbot,
    key: str = TEST_KEY,
    stream_process: bool = False,
    wrap_store: Callable[[SqliteConversationStore], Any] | None = None,
    search: Callable[..., Any] | None = None,
) -> Desk:
    """The app's parts; with `stream_process`, answers stream through the child process,
    which is ready when this returns (the app itself streams in-process until then).
    `wrap_store` puts a wrapper (e.g. `tests.counting.CountingStore`) around the store;
    `search` is the sidebar's search (None: no search, as before)."""
    paths = AppPaths.resolve()
    paths.ensure()
    store = SqliteConversationStore(paths.database_path)
    if wrap_store is not None:
        store = wrap_store(store)
    catalog, _ = load_catalog(paths)
    backend = AnthropicBackend(base_url=base_url, timeout=5.0, stream_process=stream_process)
    backend.set_api_key(key)
    if stream_process:
        process = backend.stream_process
        assert process is not None
        run_until(loop, lambda: process.ready, CHILD_READY_TIMEOUT)
    blobs = BlobStore.in_data_dir(paths.data_dir)
    controller = ChatController(
        store,
        backend,
        catalog,
        images=LazyImagePreparer(),
        blobs=blobs,
        documents=PypdfDocumentPreparer(),
    )
    window = MainWindow(controller, search=search, exports=FileExports(paths.config_dir))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    return Desk(paths, store, backend, controller, window, loop, blobs)


@pytest.fixture
def stream_mode() -> str:
    """How `desk` streams answers: "in-process", or "child" (test modules override this)."""
    return "in-process"


@pytest.fixture
def desk(aloop, fake_api, qtbot, stream_mode: str) -> Iterator[Desk]:
    d = build_desk(aloop, fake_api.base_url, qtbot, stream_process=stream_mode == "child")
    yield d
    aloop.run_until_complete(d.controller.tasks.drain())
    aloop.run_until_complete(d.backend.aclose())
    d.store.close()


@pytest.fixture
def home(desk_home: Path) -> Path:
    return desk_home


POLL_S = 0.05  # batch status checks in tests


class Batches:
    """The batches feature as app.py builds it, on the test's window and fake server."""

    def __init__(self, desk: Desk, wrap_store: Callable[[SqliteBatchStore], Any] | None = None):
        self.desk = desk
        self.store = SqliteBatchStore(desk.paths.database_path)
        if wrap_store is not None:
            self.store = wrap_store(self.store)
        self.controller = BatchesController(
            self.store,
            lambda: desk.controller.catalog,
            POLL_S,
            blobs=desk.blobs,
            preparer=PypdfDocumentPreparer(),
        )
        self.feature = BatchesFeature(desk.window, self.controller)
        self.controller.set_api(AnthropicBatches(desk.backend), desk.backend.count_tokens)

    async def close(self) -> None:
        self.feature.shutdown()
        await self.controller.tasks.drain()
        self.store.close()


async def _make(desk: Desk) -> Batches:
    return Batches(desk)


@pytest.fixture
def batches(desk: Desk) -> Iterator[Batches]:
    """The batches feature as app.py builds it (blob store and document preparer included)."""
    b = desk.loop.run_until_complete(_make(desk))
    yield b
    desk.loop.run_until_complete(b.close())
