"""The one place that builds and wires everything: services, history, window (`DeskApp`).

`desktop.launch` makes the QApplication and imports this module; the window is painted first,
the Anthropic SDK (~0.9 s to import) is imported afterwards, off the UI thread.
"""

from __future__ import annotations

# isort: off
from desktop import pyside_scan  # noqa: F401  first: PySide told which modules need no scan

# isort: on

import contextlib
import gc
import importlib
import json
import logging
import os
import zlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from desktop.cli import Options
from desktop.core.catalog import Catalog, CatalogError
from desktop.core.conversation import Conversation
from desktop.core.errors import StorageError
from desktop.core.ports import KeySource, SecretStore
from desktop.core.sealed import Sealed
from desktop.preparers import LazyDocumentPreparer, LazyImagePreparer
from desktop.resources import resource_path
from desktop.storage.blobs import BlobStore
from desktop.storage.database import SqliteConversationStore
from desktop.storage.paths import AppPaths, atomic_write_text
from desktop.storage.sqlite import DatabaseCorruptError
from desktop.ui.chat.controller import ChatController
from desktop.ui.shell.main_window import MainWindow
from desktop.version import APP_NAME, app_version

if TYPE_CHECKING:  # asyncio and qasync (~40 ms) load after the window's first paint
    import asyncio

    from PySide6.QtWidgets import QApplication, QWidget

    from desktop.storage.batches import SqliteBatchStore
    from desktop.ui.batches.controller import BatchesController
    from desktop.ui.batches.wiring import BatchesFeature
    from desktop.ui.exchange.feature import ExchangeFeature

log = logging.getLogger("desktop")

STREAM_PROCESS_ENV = "CLAUDE_DESK_STREAM_PROCESS"
MODELS_GROUP = "models"  # the task that lists the account's models after a key change


def load_catalog(paths: AppPaths) -> tuple[Catalog, str | None]:
    """models.toml with the user's price overrides; the second item is a problem to show."""
    catalog = Catalog.from_data(_models_data(paths))
    overrides = paths.config_dir / "prices.toml"
    if not overrides.exists():
        return catalog, None
    try:
        return catalog.with_price_overrides(overrides.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, CatalogError) as exc:
        return catalog, f"Your price overrides in {overrides} were not used: {exc}"


def _models_data(paths: AppPaths) -> dict[str, Any]:
    """models.toml parsed, through a JSON cache keyed by its content (tomllib costs ~13 ms)."""
    text = resource_path("models.toml").read_text(encoding="utf-8")
    digest = f"{zlib.crc32(text.encode()):08x}{len(text):x}"
    cached = paths.cache_dir / f"models-{digest}.json"
    try:
        data: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        pass
    import tomllib

    data = tomllib.loads(text)
    with contextlib.suppress(OSError):
        atomic_write_text(cached, json.dumps(data))
    return data


def setup_logging(paths: AppPaths) -> logging.Handler | None:
    """Log to a file in the log directory. Nothing logged ever contains the API key.

    None when the file cannot be opened (a folder that cannot be written, a file where the
    folder should be): the app then runs without a file log (`log_problem` says so).
    """
    try:
        handler = logging.FileHandler(paths.log_dir / "claude-desk.log", encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "anthropic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler


def log_problem(paths: AppPaths) -> str:
    """The status bar's words when there is no file log."""
    return f"Running without a log file: {paths.log_dir} cannot be written."


def open_store(paths: AppPaths, parent: QWidget | None = None) -> SqliteConversationStore | None:
    """Open the history; on a damaged file, offer to move it aside. None means quit."""
    try:
        return SqliteConversationStore(paths.database_path)
    except StorageError as exc:
        return _store_problem(paths, exc, parent)


def _store_problem(
    paths: AppPaths, exc: StorageError, parent: QWidget | None
) -> SqliteConversationStore | None:
    from PySide6.QtWidgets import QMessageBox  # loads only when needed (startup)

    if isinstance(exc, DatabaseCorruptError):
        box = QMessageBox(
            QMessageBox.Icon.Critical, "History cannot be opened", exc.message, parent=parent
        )
        box.setObjectName("history_problem_box")
        fresh = box.addButton("Move aside and start fresh", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is not fresh:
            return None
        try:
            return SqliteConversationStore.move_aside_and_recreate(paths.database_path)
        except StorageError as again:
            QMessageBox.critical(parent, "History cannot be opened", again.message)
            return None
    # locked by another Claude Desk, disk full, unreadable, ...
    QMessageBox.critical(parent, "History cannot be opened", exc.message)
    return None


def key_status_text(source: KeySource) -> str:
    return {
        KeySource.ENVIRONMENT: "Using ANTHROPIC_API_KEY from the environment",
        KeySource.KEYRING: "API key from the system keyring",
        KeySource.SESSION: "API key for this session only (not saved)",
        KeySource.NONE: "No API key — Settings › API key…",
    }[source]


EXCHANGE_MODULES = ("desktop.storage.exchange", "desktop.ui.exchange.feature")

BATCH_MODULES_WITHOUT_QT = (
    "desktop.core.batch_documents",
    "desktop.core.batch_results",
    "desktop.core.batches",
    "desktop.storage.batches",
)


def _import_all(names: Sequence[str]) -> None:
    for name in names:
        importlib.import_module(name)


class DeskApp:
    """Owns the services and the window for one run of the app."""

    def __init__(
        self,
        app: QApplication,
        paths: AppPaths,
        store: SqliteConversationStore,
        catalog: Catalog,
        secrets: SecretStore | None,
        base_url: str | None,
    ) -> None:
        self.app = app
        self.paths = paths
        self.store = store
        self.secrets = secrets
        self.base_url = base_url
        self.blobs = BlobStore.in_data_dir(paths.data_dir)
        self.controller = ChatController(
            store,
            None,
            catalog,
            images=LazyImagePreparer(),
            blobs=self.blobs,
            documents=LazyDocumentPreparer(),
        )
        self.window = MainWindow(self.controller, search=self.search)
        self.exchange: ExchangeFeature | None = None  # File › Export, Import (start_exchange)
        self.window.api_key_dialog_requested.connect(self.show_key_settings)
        self.window.about_requested.connect(self.show_about)
        self.batch_store: SqliteBatchStore | None = None  # the Batches feature comes after
        self.batches: BatchesController | None = None  # the first paint (start_batches)
        self.batch_feature: BatchesFeature | None = None
        self._closed: asyncio.Event | None = None
        self._window_closed = False
        self._worker: asyncio.Future[Any] | None = None
        self.window.closing.connect(self._on_window_closing)

    def _on_window_closing(self) -> None:
        self._window_closed = True
        if self._closed is not None:
            self._closed.set()

    async def serve(self) -> int:
        """Start the services and run until the window closes; then shut down cleanly."""
        import asyncio

        self._closed = asyncio.Event()
        if self._window_closed:
            self._closed.set()
        services = asyncio.ensure_future(self.start_services())
        await self._closed.wait()
        services.cancel()
        await asyncio.gather(services, return_exceptions=True)
        await self.shutdown()
        return 0

    def search(
        self, query: str, limit: int | None = None, after: Conversation | None = None
    ) -> list[Conversation]:
        """Conversations whose title or messages match `query`, newest first, a page at a
        time (the sidebar calls this in a worker thread)."""
        return self.store.search_conversations(query, limit, after)

    async def start_exchange(self) -> None:
        """Export and import (File menu, the sidebar's Export…), after the first paint."""
        await self._collector_off_in_worker(_import_all, EXCHANGE_MODULES)
        from desktop.storage.exchange import SqliteExchange
        from desktop.ui.exchange.feature import ExchangeFeature

        files = SqliteExchange(self.paths.database_path, self.blobs, self.paths.config_dir)
        self.exchange = ExchangeFeature(self.window, self.controller, files, about_app)

    async def start_batches(self) -> None:
        """The Batches feature (menu, store, polling), built after the first paint.

        Its storage and core modules are imported in a worker thread; only the Qt parts load
        on the UI thread.
        """
        await self._collector_off_in_worker(_import_all, BATCH_MODULES_WITHOUT_QT)
        from desktop.storage.batches import SqliteBatchStore
        from desktop.ui.batches.controller import BatchesController
        from desktop.ui.batches.wiring import BatchesFeature

        try:
            self.batch_store = SqliteBatchStore(self.paths.database_path)
        except StorageError as error:
            log.warning("Batches unavailable: %s", error)
            self.window.statusBar().showMessage(f"Batches are unavailable: {error}", 15_000)
            return
        self.batches = BatchesController(
            self.batch_store,
            lambda: self.controller.catalog,
            blobs=self.blobs,
            preparer=LazyDocumentPreparer(),
        )
        self.batch_feature = BatchesFeature(self.window, self.batches)

    async def start_services(self) -> None:
        """After the first paint: Batches, the SDK, the API key, warm caches, the models."""
        await self.start_exchange()
        await self.start_batches()
        await self._collector_off_in_worker(importlib.import_module, "anthropic")
        if self.secrets is None:  # keyring's import (~40 ms) stays off the first paint
            secrets = await self._collector_off_in_worker(
                importlib.import_module, "desktop.storage.secrets"
            )
            self.secrets = secrets.KeyringSecretStore()
        from desktop.api.backend import AnthropicBackend
        from desktop.api.batches import AnthropicBatches

        backend = AnthropicBackend(base_url=self.base_url, stream_process=stream_process_wanted())
        # The first read asks the keyring service (D-Bus; it may wait for an unlock): a worker.
        # Sealed: executors log their results at DEBUG, and this one holds the key.
        store = self.secrets
        sealed: Sealed[tuple[str | None, KeySource]] = await self._in_worker(
            lambda: Sealed(store.current())
        )
        key, source = sealed.value
        backend.set_api_key(key)
        self.controller.set_backend(backend)  # a message sent meanwhile goes out now
        if self.batches is not None:  # resumes polling of stored batches
            self.batches.set_api(AnthropicBatches(backend), backend.count_tokens)
        if key is None:
            key = await self.ask_for_key()
            source = self.secrets.current()[1] if key else KeySource.NONE
            backend.set_api_key(key)
        self.window.set_key_status(key_status_text(source))
        self.app.setApplicationVersion(await self._in_worker(app_version))  # metadata: ~30 ms
        # markdown-it and pygments: imported and warmed (~0.2 s) off the UI thread
        markdown = await self._collector_off_in_worker(
            importlib.import_module, "desktop.render.markdown"
        )
        await self._collector_off_in_worker(markdown.warm_up)
        if key:
            await self.controller.refresh_models()
        gc.collect()
        gc.freeze()

    async def _collector_off_in_worker(self, func: Callable[..., Any], *args: Any) -> Any:
        """`func` (imports, mostly) in a worker thread with the garbage collector off meanwhile,
        so it can never free Qt objects off the UI thread (that crashes when the window is
        closing)."""
        gc.disable()
        try:
            return await self._in_worker(func, *args)
        finally:
            gc.enable()

    async def _in_worker(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run `func` in a worker thread. Quitting waits for it (a thread cannot be cancelled),
        so no Qt object is ever released from that thread."""
        import asyncio

        self._worker = asyncio.ensure_future(asyncio.to_thread(func, *args))
        return await asyncio.shield(self._worker)

    async def ask_for_key(self) -> str | None:
        import asyncio

        from desktop.ui.keys.dialogs import WelcomeDialog

        backend = self.controller.backend
        assert backend is not None
        assert self.secrets is not None
        dialog = WelcomeDialog(self.secrets, backend.verify_key, self.window)
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def _on_dialog_finished(result: int) -> None:
            if not done.done():
                done.set_result(result)

        dialog.finished.connect(_on_dialog_finished)
        dialog.open()
        try:
            accepted = await done
        except asyncio.CancelledError:  # quitting: the dialog and its key check end too
            dialog.reject()
            raise
        return dialog.api_key() if accepted else None

    def show_key_settings(self) -> None:
        from desktop.ui.keys.dialogs import ApiKeySettingsDialog

        backend = self.controller.backend
        if backend is None or self.secrets is None:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.information(
                self.window, APP_NAME, "Still starting up — try again in a moment."
            )
            return
        dialog = ApiKeySettingsDialog(self.secrets, backend.verify_key, self.window)
        dialog.key_changed.connect(self._on_key_changed)
        dialog.open()

    def _on_key_changed(self, _key: str) -> None:
        assert self.secrets is not None
        current, source = self.secrets.current()  # the environment's key still wins
        backend = self.controller.backend
        if backend is not None:
            backend.set_api_key(current)
            if current:  # the models this key's account may use
                self.controller.tasks.start(MODELS_GROUP, self.controller.refresh_models())
        self.window.set_key_status(key_status_text(source))

    def show_about(self) -> None:
        from desktop.ui.shell.about import show_about

        show_about(self.window)

    async def shutdown(self) -> None:
        import asyncio

        if self._worker is not None and not self._worker.done():
            await asyncio.wait([self._worker])
        await self.controller.tasks.drain()
        if self.batches is not None:
            await self.batches.tasks.drain()
        if self.batch_store is not None:
            self.batch_store.close()
        backend = self.controller.backend
        if backend is not None:
            await backend.aclose()
        self.store.close()


def about_app() -> str:
    """The app and its version, as exports name what made them."""
    return f"{APP_NAME} {app_version()}"


def open_desk(app: QApplication, args: Options) -> DeskApp | None:
    """Everything the first paint needs: paths, history, catalog and the window (shown)."""
    paths = AppPaths.resolve()
    paths.ensure()
    logging_on = setup_logging(paths) is not None
    store = open_store(paths)
    if store is None:
        return None
    catalog, catalog_problem = load_catalog(paths)
    desk = DeskApp(app, paths, store, catalog, None, args.base_url)
    desk.window.show()
    moved = f"The damaged history was kept as {store.moved_aside}." if store.moved_aside else None
    found = (moved, catalog_problem, None if logging_on else log_problem(paths))
    problems = [p for p in found if p]
    if problems:
        desk.window.statusBar().showMessage(" ".join(problems), 30_000)
    return desk


async def run(app: QApplication, args: Options) -> int:
    """The whole app on an already running event loop (smoke runs and tools use this)."""
    desk = open_desk(app, args)
    return 1 if desk is None else await desk.serve()


def stream_process_wanted() -> bool:
    """Answers stream through a child process unless CLAUDE_DESK_STREAM_PROCESS=0."""
    return os.environ.get(STREAM_PROCESS_ENV, "1").strip() not in ("0", "no", "off", "false")
