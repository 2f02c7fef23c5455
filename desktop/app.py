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
from desktop.core.local_tools import ToolLimits
from desktop.core.ports import KeySource, SecretStore
from desktop.core.preferences import Preferences
from desktop.core.sealed import Sealed
from desktop.preparers import LazyDocumentPreparer, LazyImagePreparer
from desktop.resources import resource_path
from desktop.storage.appearance import appearance_path, read_appearance, save_appearance
from desktop.storage.blobs import BlobStore
from desktop.storage.database import SqliteConversationStore
from desktop.storage.exports import FileExports
from desktop.storage.files import atomic_write, private_file
from desktop.storage.paths import AppPaths
from desktop.storage.preferences import PreferencesFile
from desktop.storage.sqlite import DatabaseCorruptError
from desktop.ui.chat.controller import ChatController
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.shell.theme import parse_mode, theme_controller
from desktop.ui.shell.window_state import restore_window_state, window_state
from desktop.version import APP_NAME, app_version

if TYPE_CHECKING:  # asyncio and qasync (~40 ms) load after the window's first paint
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from PySide6.QtWidgets import QApplication, QWidget

    from desktop.mcp_host import McpHost
    from desktop.single_instance import SingleInstance
    from desktop.storage.batches import SqliteBatchStore
    from desktop.ui.batches.controller import BatchesController
    from desktop.ui.batches.wiring import BatchesFeature
    from desktop.ui.common.collector import UiThreadCollector
    from desktop.ui.exchange.feature import ExchangeFeature

log = logging.getLogger("desktop")

STREAM_PROCESS_ENV = "CLAUDE_DESK_STREAM_PROCESS"
THEME_PREFERENCE = "theme"
SYSTEM_SCHEME_PREFERENCE = "system_scheme"  # the system's scheme last seen: "dark" or "light"
MODELS_GROUP = "models"  # the task that lists the account's models after a key change
KEY_SETTINGS_GROUP = "key-settings"  # opening Settings › API key… once the app has started
PREFERENCES_GROUP = "preferences"  # writing the settings file after Preferences… OK
LOG_NAME = "claude-desk.log"


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
        atomic_write(cached, json.dumps(data))
    return data


def setup_logging(paths: AppPaths) -> logging.Handler | None:
    """Log to a file (0600) in the log directory. Nothing logged ever contains the API key.

    None when the file cannot be opened (a folder that cannot be written, a file where the
    folder should be): the app then runs without a file log (`log_problem` says so).
    """
    try:
        handler = logging.FileHandler(private_file(paths.log_dir / LOG_NAME), encoding="utf-8")
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


def open_folders(paths: AppPaths) -> bool:
    """The log opened (0600), and an older installation's folders and files made owner-only
    once, with one line in the log. False when there is no file log."""
    logging_on = setup_logging(paths) is not None
    changed = paths.tighten_once()
    if changed:
        log.info(
            "Made %d folders and files readable by this account only (0700/0600), once: %s",
            changed,
            ", ".join(str(folder) for folder in paths.folders),
        )
    return logging_on


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
        instance: SingleInstance | None = None,
    ) -> None:
        self.app = app
        self.paths = paths
        self.store = store
        self.secrets = secrets
        self.base_url = base_url
        self.instance = instance  # this run's claim on the data folder (None: smoke, tools)
        self.blobs = BlobStore.in_data_dir(paths.data_dir)
        self.preferences_file = PreferencesFile.in_config_dir(paths.config_dir)
        self.preferences, self.preferences_problem = self.preferences_file.load(
            catalog.default_model
        )
        self.exports = FileExports(paths.config_dir)
        self.controller = ChatController(
            store,
            None,
            catalog,
            images=LazyImagePreparer(),
            blobs=self.blobs,
            documents=LazyDocumentPreparer(),
            defaults=self.preferences.defaults,
        )
        self.window = MainWindow(self.controller, search=self.search, exports=self.exports)
        self.window.composer.set_send_key(self.preferences.send_key)
        restore_window_state(self.window, self.preferences.window)
        self.exchange: ExchangeFeature | None = None  # File › Export, Import (start_exchange)
        self.mcp_host: McpHost | None = None  # the user's MCP servers (start_local_tools)
        self.collector: UiThreadCollector | None = None  # collects garbage (start_services)
        self.window.api_key_dialog_requested.connect(self.show_key_settings)
        self.window.preferences_requested.connect(self.show_preferences)
        self.window.about_requested.connect(self.show_about)
        self.batch_store: SqliteBatchStore | None = None  # the Batches feature comes after
        self.batches: BatchesController | None = None  # the first paint (start_batches)
        self.batch_feature: BatchesFeature | None = None
        self._closed: asyncio.Event | None = None
        self._backend_ready: asyncio.Event | None = None
        self._window_closed = False
        self._worker: asyncio.Future[Any] | None = None
        self._preferences_writer: ThreadPoolExecutor | None = None
        self.window.closing.connect(self._on_window_closing)
        themes = theme_controller()
        if themes is not None:
            themes.mode_changed.connect(self._on_theme_mode_changed)
            themes.system_scheme_read.connect(self._on_theme_system_scheme_read)

    def _on_theme_mode_changed(self, mode: str) -> None:
        """Remember the theme chosen in View › Theme for the next start."""
        self._save_appearance(THEME_PREFERENCE, mode, "the theme choice")

    def _on_theme_system_scheme_read(self, dark: bool) -> None:
        """Remember the system's scheme: the next start paints in it at once."""
        value = "dark" if dark else "light"
        if read_appearance(appearance_path(self.paths)).get(SYSTEM_SCHEME_PREFERENCE) != value:
            self._save_appearance(SYSTEM_SCHEME_PREFERENCE, value, "the system's theme")

    def _save_appearance(self, key: str, value: str, what: str) -> None:
        try:
            save_appearance(appearance_path(self.paths), key, value)
        except OSError as exc:
            self.window.show_status(f"Could not save {what}: {exc.strerror or exc}")

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
    ) -> Sequence[Conversation]:
        """Conversations whose title or messages match `query`, pinned then newest first, a
        page at a time, each with a snippet of its match (the sidebar calls this in a worker
        thread)."""
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
        """After the first paint: the single-instance server, the system's theme, Export and
        Import, Batches, the SDK, the API key, warm caches, the models."""
        if self.instance is not None and not self.instance.listen(self.bring_forward):
            log.warning("a second launch cannot reach this one (local server not listening)")
        themes = theme_controller()
        if themes is not None:
            themes.read_system_scheme()
        await self.start_exchange()
        await self.start_batches()
        self.mcp_host = await start_local_tools(self)
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
        self._backend_set().set()
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
        from desktop.ui.common.collector import UiThreadCollector

        self.collector = UiThreadCollector(self.window)  # from now on only the UI thread
        self.collector.start()  # collects: workers could free Qt objects (see collector.py)

    async def _collector_off_in_worker(self, func: Callable[..., Any], *args: Any) -> Any:
        """`func` (imports, mostly) in a worker thread with the garbage collector off meanwhile,
        so it can never free Qt objects off the UI thread (that crashes when the window is
        closing)."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return await self._in_worker(func, *args)
        finally:
            if was_enabled:
                gc.enable()

    async def _in_worker(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run `func` in a worker thread. Quitting waits for it (a thread cannot be cancelled),
        so no Qt object is ever released from that thread."""
        import asyncio

        self._worker = asyncio.ensure_future(asyncio.to_thread(func, *args))
        return await asyncio.shield(self._worker)

    async def ask_for_key(self) -> str | None:
        import asyncio

        from desktop.ui.keys.welcome import WelcomeDialog

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
        """Settings › API key…; while the app is still starting, it opens once it can (no
        modal box to dismiss: it would also block everything behind it)."""
        from desktop.ui.keys.settings import ApiKeySettingsDialog

        backend = self.controller.backend
        if backend is None or self.secrets is None:
            self.window.show_status("Still starting up — the API key settings open in a moment.")
            self.controller.tasks.start(KEY_SETTINGS_GROUP, self._key_settings_when_ready())
            return
        dialog = ApiKeySettingsDialog(self.secrets, backend.verify_key, self.window)
        dialog.key_changed.connect(self._on_key_changed)
        dialog.open()

    async def _key_settings_when_ready(self) -> None:
        await self._backend_set().wait()
        self.show_key_settings()

    def _backend_set(self) -> asyncio.Event:
        """Set once the backend and the secret store exist (made on first use, in the loop)."""
        import asyncio

        if self._backend_ready is None:
            self._backend_ready = asyncio.Event()
        return self._backend_ready

    def _on_key_changed(self, _key: str) -> None:
        assert self.secrets is not None
        current, source = self.secrets.current()  # the environment's key still wins
        backend = self.controller.backend
        if backend is not None:
            backend.set_api_key(current)
            if current:  # the models this key's account may use
                self.controller.tasks.start(MODELS_GROUP, self.controller.refresh_models())
        self.window.set_key_status(key_status_text(source))

    # -- preferences and the window ----------------------------------------------------------

    def show_preferences(self) -> None:
        """Settings › Preferences…"""
        from desktop.ui.settings.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.controller.catalog, self.preferences, self.window)
        dialog.preferences_edited.connect(self._on_preferences_edited)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _on_preferences_edited(self, edited: Preferences) -> None:
        """Apply what the dialog set at once; write the file off the UI thread (a write with
        its flushes takes ~15 ms)."""
        preferences = edited.copy()
        preferences.window = self.preferences.window  # the window's place as this run knows it
        preferences.tool_limits = self.preferences.tool_limits  # edited in Settings › Tools
        self.preferences = preferences
        self.controller.defaults = preferences.defaults
        self.window.composer.set_send_key(preferences.send_key)
        self.controller.tasks.start(PREFERENCES_GROUP, self._write_preferences(preferences.copy()))

    def set_tool_limits(self, limits: ToolLimits) -> None:
        """Settings › Tools changed the tool loop's limits: use and save them."""
        self.preferences.tool_limits = limits
        preferences = self.preferences.copy()
        self.controller.tasks.start(PREFERENCES_GROUP, self._write_preferences(preferences))

    async def _write_preferences(self, preferences: Preferences) -> None:
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        if self._preferences_writer is None:  # one thread: writes land in the order made
            self._preferences_writer = ThreadPoolExecutor(1, "preferences")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                self._preferences_writer, self.preferences_file.save, preferences
            )
        except StorageError as error:
            self.window.show_status(f"{error.message} They apply until Claude Desk closes.")

    def _on_window_closing(self) -> None:
        self.preferences.window = window_state(self.window, self.preferences.window)
        self._window_closed = True
        if self._closed is not None:
            self._closed.set()

    def _save_preferences_at_quit(self) -> None:
        """The window's place (and the preferences) written once more, last."""
        if self._preferences_writer is not None:
            self._preferences_writer.shutdown(wait=True)
        try:
            self.preferences_file.save(self.preferences)
        except StorageError as error:
            log.warning("window state not saved: %s", error.message)

    def bring_forward(self) -> None:
        """A second launch asked for this window: show it, raise it, give it the focus."""
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    def show_about(self) -> None:
        from desktop.ui.shell.about import show_about

        show_about(self.window)

    async def shutdown(self) -> None:
        import asyncio

        if self._worker is not None and not self._worker.done():
            await asyncio.wait([self._worker])
        await self.controller.tasks.drain()
        self._save_preferences_at_quit()
        if self.batches is not None:
            await self.batches.tasks.drain()
        if self.batch_store is not None:
            self.batch_store.close()
        backend = self.controller.backend
        if backend is not None:
            await backend.aclose()
        if self.mcp_host is not None:  # every MCP server process ends with the app
            await self.mcp_host.aclose()
        self.store.close()
        if self.instance is not None:  # the history is closed: another run may open it
            self.instance.release()
        if self.collector is not None:  # Python's own collector again, for what follows
            self.collector.stop()


async def start_local_tools(desk: DeskApp) -> McpHost:
    """The user's MCP servers (Settings › Tools, the chat's tool loop), after the first paint:
    their settings are read off the UI thread (values in the keyring); the servers themselves
    start when a conversation first needs them."""
    modules = ("desktop.mcp_host", "desktop.storage.mcp_servers")
    await desk._collector_off_in_worker(_import_all, modules)
    from desktop.mcp_host import McpHost
    from desktop.storage.mcp_servers import McpServerFile
    from desktop.ui.shell.local_tools import attach_local_tools

    repository = McpServerFile.in_config_dir(desk.paths.config_dir)
    servers, problem = await desk._in_worker(repository.load)
    if any(server.enabled for server in servers):  # the SDK (~1 s) only for someone using it
        from desktop.mcp_host import warm_up

        await desk._collector_off_in_worker(warm_up)
    host = McpHost()
    host.configure(servers)
    limits = lambda: desk.preferences.tool_limits  # noqa: E731 (as edited meanwhile)
    attach_local_tools(desk.window, host, repository, limits, desk.set_tool_limits)
    if problem:
        desk.window.statusBar().showMessage(problem, 30_000)
    return host


def use_saved_theme(paths: AppPaths, keep_mode: bool = False) -> None:
    """Show the theme chosen in View › Theme (unless `keep_mode`: --theme was given), the
    system's scheme taken as last seen until it is read after the first paint. Called before
    the window is built: nothing to restyle yet."""
    themes = theme_controller()
    if themes is None:
        return
    saved = read_appearance(appearance_path(paths))
    themes.guess_system_dark(saved.get(SYSTEM_SCHEME_PREFERENCE) == "dark")
    mode = parse_mode(saved.get(THEME_PREFERENCE))
    if mode is not None and not keep_mode:
        themes.set_mode(mode)


def about_app() -> str:
    """The app and its version, as exports name what made them."""
    return f"{APP_NAME} {app_version()}"


def open_desk(
    app: QApplication, args: Options, instance: SingleInstance | None = None
) -> DeskApp | None:
    """Everything the first paint needs: paths, history, catalog and the window (shown).

    `instance` is this run's claim on the data folder (`desktop.launch` takes it before the
    QApplication); without one it is taken here. None: quit (another run holds the folder and
    was brought forward, or the history cannot be opened)."""
    paths = AppPaths.resolve().ensure()
    if instance is None:
        from desktop.single_instance import SingleInstance, already_running

        instance = SingleInstance(paths.data_dir)
        if not instance.claim():
            already_running(paths.data_dir)
            return None
    logging_on = open_folders(paths)
    store = open_store(paths)
    if store is None:
        instance.release()
        return None
    catalog, catalog_problem = load_catalog(paths)
    use_saved_theme(paths, keep_mode=args.theme is not None)
    desk = DeskApp(app, paths, store, catalog, None, args.base_url, instance)
    desk.window.show()
    moved = f"The damaged history was kept as {store.moved_aside}." if store.moved_aside else None
    log_missing = None if logging_on else log_problem(paths)
    found = (moved, catalog_problem, desk.preferences_problem, log_missing)
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
