"""Settings › Tools › "Local tools (MCP)": the user's MCP servers and the tool loop's limits.

The section owns the list of servers while it is shown: each change is applied to the host at
once (`LocalToolHost.configure`, which stops what was removed, disabled or changed) and saved
through the repository on a worker thread (keyring calls can take longer than a frame);
a problem the repository returns is shown as a warning line. Statuses arrive through
`LocalToolHost.subscribe` and update their row in place.
"""

from __future__ import annotations

import copy
import logging
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.core.desktop_config import read_desktop_config
from desktop.core.local_tools import McpServerConfig, ServerStatus, ToolLimits
from desktop.ui.settings.mcp_dialog import ServerDialog
from desktop.ui.settings.mcp_import import (
    FindConfig,
    ParseConfig,
    find_desktop_config,
    import_file,
    pick_config_file,
    report,
    tell,
)
from desktop.ui.settings.mcp_row import ServerRow
from desktop.ui.settings.tool_limits import ToolLimitsForm

if TYPE_CHECKING:
    import asyncio
    from pathlib import Path

    from desktop.core.ports import LocalToolHost, McpServerRepository
    from desktop.ui.common.tasks import TaskRegistry

log = logging.getLogger(__name__)

LOAD_GROUP = "mcp-settings-load"
SAVE_GROUP = "mcp-settings-save"
START_GROUP = "mcp-start:"  # + the server's name
UNAVAILABLE = "Local MCP tools are not available in this copy of Claude Desk."
EMPTY = "No MCP servers yet. Add one, or import those you set up in the Claude desktop app."


@dataclass
class LocalToolsWiring:
    """What the section needs from the app (`desktop/app.py` builds it)."""

    host: LocalToolHost
    servers: McpServerRepository
    tasks: TaskRegistry
    limits: ToolLimits = field(default_factory=ToolLimits)  # the preferences' current ones
    on_limits_edited: Callable[[ToolLimits], None] = lambda _limits: None
    find_config: FindConfig = find_desktop_config  # tests point it at a temporary file
    parse: ParseConfig = read_desktop_config
    pick_file: Callable[[QWidget], Path | None] = pick_config_file


class LocalToolsSection(QGroupBox):
    def __init__(self, wiring: LocalToolsWiring | None, parent: QWidget | None = None) -> None:
        super().__init__("Local tools (MCP)", parent)
        self.setObjectName("local_tools_section")
        self.wiring = wiring
        self.servers: list[McpServerConfig] = []
        self.rows: dict[str, ServerRow] = {}
        self._statuses: dict[str, ServerStatus] = {}
        self._io = _IoThread()  # one thread: saves land in the order made
        self.message_box: QMessageBox | None = None  # the last question or report shown
        self.dialog: ServerDialog | None = None
        self.loaded = False  # the servers have been read (see `allow_always`)
        column = QVBoxLayout(self)
        if wiring is None:
            note = QLabel(UNAVAILABLE, self)
            note.setObjectName("local_tools_unavailable")
            note.setProperty("tone", "muted")
            note.setWordWrap(True)
            column.addWidget(note)
            return
        self._build(column, wiring)
        self.destroyed.connect(self._io.stop)
        self._subscribe(wiring.host)
        wiring.tasks.start(LOAD_GROUP, self._load())

    def _build(self, column: QVBoxLayout, wiring: LocalToolsWiring) -> None:
        intro = QLabel(
            "Programs and services that give Claude tools, shared by all conversations "
            "(each can turn them off in the composer's Tools menu)."
        )
        intro.setParent(self)
        intro.setProperty("tone", "muted")
        intro.setWordWrap(True)
        self.warning = QLabel(self)
        self.warning.setObjectName("local_tools_warning")
        self.warning.setProperty("tone", "warning")
        self.warning.setWordWrap(True)
        self.warning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning.setVisible(False)
        self.empty = QLabel("Loading…", self)
        self.empty.setObjectName("local_tools_empty")
        self.empty.setProperty("tone", "muted")
        self.empty.setWordWrap(True)
        self.list = QVBoxLayout()
        self.list.setSpacing(6)
        self.add_button = QPushButton("Add server…", self)
        self.add_button.setObjectName("mcp_add_button")
        self.add_button.setAccessibleName("Add MCP server")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.import_button = QToolButton(self)
        self.import_button.setObjectName("mcp_import_button")
        self.import_button.setText("Import from Claude Desktop…")
        self.import_button.setAccessibleName("Import MCP servers from Claude Desktop")
        self.import_button.setToolTip("Reads claude_desktop_config.json of the Claude desktop app")
        self.import_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.import_button)
        menu.addAction("Choose a file…", self._on_import_file_chosen)
        self.import_button.setMenu(menu)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.limits = ToolLimitsForm(wiring.limits, self)
        self.limits.limits_edited.connect(wiring.on_limits_edited)
        limits_heading = QLabel("Limits for each answer", self)
        limits_heading.setObjectName("tool_limits_heading")
        for widget in (intro, self.warning, self.empty):
            column.addWidget(widget)
        column.addLayout(self.list)
        column.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addSpacing(8)
        column.addWidget(limits_heading)
        column.addWidget(self.limits)
        self._set_buttons_enabled(False)

    # -- the host and the repository --------------------------------------------------------

    def _subscribe(self, host: LocalToolHost) -> None:
        """Statuses reach this section while it lives (the host keeps no way to unsubscribe)."""
        me = weakref.ref(self)

        def _on_host_status(status: ServerStatus) -> None:
            section = me()
            if section is not None and isValid(section):
                section.show_status(status)

        host.subscribe(_on_host_status)
        for status in host.statuses():
            self._statuses[status.name] = status

    async def _load(self) -> None:
        assert self.wiring is not None
        servers, problem = await self._io.run(self.wiring.servers.load)
        self.servers = list(servers)
        for server in self.servers:
            self._add_row(server)
        self._show_problem(problem)
        self._set_buttons_enabled(True)
        self._update_empty()
        self.loaded = True

    def _save(self, *, start: str | None = None) -> None:
        """Apply the list to the host at once; save a snapshot of it off the UI thread."""
        assert self.wiring is not None
        snapshot = copy.deepcopy(self.servers)
        self.wiring.host.configure(copy.deepcopy(snapshot))
        self.wiring.tasks.start(SAVE_GROUP, self._write(snapshot))
        if start is not None:
            self.start_server(start)

    async def _write(self, snapshot: list[McpServerConfig]) -> None:
        assert self.wiring is not None
        self._show_problem(await self._io.run(self.wiring.servers.save, snapshot))

    def start_server(self, name: str) -> None:
        """Start (or restart) a server now; its status arrives through the host's updates."""
        assert self.wiring is not None
        coro = self.wiring.host.start(name)
        self.wiring.tasks.start(START_GROUP + name, coro, self._on_start_done(name))

    def _on_start_done(self, name: str) -> Callable[[asyncio.Task[Any]], None]:
        def _report(task: asyncio.Task[Any]) -> None:
            if task.cancelled() or task.exception() is None or not isValid(self):
                return
            log.warning("starting %s failed", name, exc_info=task.exception())
            self._show_problem(f"{name} could not be started: {task.exception()}")

        return _report

    # -- showing ----------------------------------------------------------------------------

    def show_status(self, status: ServerStatus) -> None:
        """A server's status changed: its row shows it (nothing else is rebuilt)."""
        self._statuses[status.name] = status
        row = self.rows.get(status.name)
        if row is not None:
            row.show_status(status)

    def _show_problem(self, problem: str | None) -> None:
        self.warning.setText(problem or "")
        self.warning.setVisible(bool(problem))

    def _set_buttons_enabled(self, enabled: bool) -> None:
        self.add_button.setEnabled(enabled)
        self.import_button.setEnabled(enabled)

    def _update_empty(self) -> None:
        self.empty.setText(EMPTY)
        self.empty.setVisible(not self.servers)

    def _add_row(self, server: McpServerConfig) -> ServerRow:
        row = ServerRow(server, self)
        row.show_status(self._statuses.get(server.name))
        row.enabled_toggled.connect(self._on_row_enabled_toggled)
        row.edit_requested.connect(self._on_row_edit_requested)
        row.remove_requested.connect(self._on_row_remove_requested)
        row.start_requested.connect(self.start_server)
        row.allowed_toggled.connect(self.set_allowed)
        self.list.addWidget(row)
        self.rows[server.name] = row
        return row

    def _server(self, name: str) -> McpServerConfig | None:
        return next((s for s in self.servers if s.name == name), None)

    # -- what a person does -----------------------------------------------------------------

    def _on_row_enabled_toggled(self, name: str, on: bool) -> None:
        server = self._server(name)
        if server is None:
            return
        server.enabled = on
        self.rows[name].show_server(server)
        self._save()

    def set_allowed(self, name: str, tool: str, allowed: bool) -> bool:
        """Allow `tool` of `name` without asking (or not): its box, the chat's "Always allow
        this tool". False (nothing done) until the servers are read, or for one not here."""
        server = self._server(name) if self.loaded else None
        if server is None:
            return False
        if (tool in server.always_allowed) != allowed:
            if allowed:
                server.always_allowed.append(tool)
            else:
                server.always_allowed.remove(tool)
            self._save()
        self.rows[name].show_server(server)
        return True

    def _on_add_button_clicked(self) -> None:
        self._open_dialog(None)

    def _on_row_edit_requested(self, name: str) -> None:
        self._open_dialog(self._server(name))

    def _open_dialog(self, server: McpServerConfig | None) -> None:
        taken = [s.name for s in self.servers if s is not server]
        dialog = ServerDialog(copy.deepcopy(server) if server else None, taken, self)
        old = server.name if server else None
        dialog.server_accepted.connect(lambda edited: self._on_dialog_accepted(old, edited))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def _on_dialog_accepted(self, old: str | None, edited: McpServerConfig) -> None:
        if old is None:
            self.servers.append(edited)
            self._add_row(edited)
            self._update_empty()
        else:
            index = next(i for i, s in enumerate(self.servers) if s.name == old)
            self.servers[index] = edited
            row = self.rows.pop(old)
            self.rows[edited.name] = row
            row.show_server(edited)
            row.show_status(self._statuses.get(edited.name) if edited.name == old else None)
        self._save(start=edited.name if edited.enabled else None)

    def _on_row_remove_requested(self, name: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove MCP server",
            f"Remove “{name}”?",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("mcp_remove_question")
        box.setInformativeText(
            "Claude can no longer use its tools, and its stored values are deleted."
        )
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _r: self._on_remove_answered(box, remove, name))
        self.message_box = box
        box.open()

    def _on_remove_answered(self, box: QMessageBox, remove: Any, name: str) -> None:
        box.deleteLater()
        if box.clickedButton() is not remove or self._server(name) is None:
            return
        self.servers = [s for s in self.servers if s.name != name]
        row = self.rows.pop(name)
        self.list.removeWidget(row)
        row.deleteLater()
        self._update_empty()
        self._save()

    def _on_import_button_clicked(self) -> None:
        assert self.wiring is not None
        path = self.wiring.find_config()
        self._import(path if path is not None else self.wiring.pick_file(self))

    def _on_import_file_chosen(self) -> None:
        assert self.wiring is not None
        self._import(self.wiring.pick_file(self))

    def _import(self, path: Path | None) -> None:
        assert self.wiring is not None
        if path is None:
            return
        try:
            outcome = import_file(path, self.servers, self.wiring.parse)
        except ValueError as why:
            text = f"{why}\n\nNothing was changed."
            self.message_box = tell(self, "Nothing was imported", text, path, error=True)
            return
        for server in outcome.plan.added:
            self.servers.append(server)
            self._add_row(server)
        self._update_empty()
        if outcome.plan.added:
            self._save()
        self.message_box = tell(self, "Import from Claude Desktop", report(outcome), path)


class _IoThread:
    """One worker thread for the repository (keyring calls may take longer than a frame)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, func: Callable[..., Any], *args: Any) -> Any:
        import asyncio

        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, "mcp-settings")
        return await asyncio.get_running_loop().run_in_executor(self._pool, func, *args)

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
