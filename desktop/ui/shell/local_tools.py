"""Local (MCP) tools put together: one host shared by the chat's tool loop and Settings › Tools.

Built by the app after the first paint, once the servers' settings are read. A choice made in
the chat's permission prompt ("Always allow this tool") is kept as the settings section's box
would keep it; before the section has read the servers, it is applied to the host and saved
directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from desktop.ui.chat.local_tools import LocalToolAccess
from desktop.ui.chat.wiring import connect_local_tools
from desktop.ui.settings.local_tools import LocalToolsWiring

if TYPE_CHECKING:
    from desktop.core.local_tools import McpServerConfig, ToolLimits
    from desktop.core.ports import LocalToolHost, McpServerRepository
    from desktop.ui.shell.main_window import MainWindow

ALLOW_GROUP = "mcp-allow-always"


def attach_local_tools(
    window: MainWindow,
    host: LocalToolHost,
    repository: McpServerRepository,
    limits: Callable[[], ToolLimits],
    on_limits_edited: Callable[[ToolLimits], None],
) -> LocalToolAccess:
    """The chat offers `host`'s tools; Settings › Tools edits its servers and the limits."""
    controller = window.controller
    wiring = LocalToolsWiring(host, repository, controller.tasks, limits(), on_limits_edited)
    window.set_local_tools(wiring)
    access = LocalToolAccess(host, limits, window)
    connect_local_tools(window.chat_view, controller, access)

    def on_always_allowed(server: str, tool: str) -> None:
        if window.settings_panel.local_tools.set_allowed(server, tool, True):
            return
        servers = host.servers()
        for config in servers:
            if config.name == server and tool not in config.always_allowed:
                config.always_allowed.append(tool)
        host.configure(servers)
        controller.tasks.start(ALLOW_GROUP, _save(repository, servers, window))

    access.always_allowed.connect(on_always_allowed)
    access.servers_failed.connect(lambda text: window.statusBar().showMessage(text, 20_000))
    window.composer_row.tools_button.settings_requested.connect(lambda: show_servers(window))
    return access


def show_servers(window: MainWindow) -> None:
    """Open the settings panel at its "Local tools (MCP)" section (the Tools menu's item)."""
    from PySide6.QtCore import QTimer

    window.settings_button.setChecked(True)
    panel = window.settings_panel
    QTimer.singleShot(0, lambda: panel.scroll_area.ensureWidgetVisible(panel.local_tools))


async def _save(
    repository: McpServerRepository, servers: list[McpServerConfig], window: MainWindow
) -> None:
    import asyncio

    problem = await asyncio.to_thread(repository.save, servers)
    if problem:
        window.statusBar().showMessage(problem, 15_000)
