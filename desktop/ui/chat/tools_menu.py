"""The composer row's Tools button: web search, web fetch and code execution for this
conversation, as checkable actions (their options live in the conversation settings panel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from desktop.core.server_tools import has_dynamic_filtering

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from desktop.core.conversation import ConversationSettings
    from desktop.ui.chat.controller import ChatController

TOOLS = (
    ("web_search", "Web search", "Claude may search the web ($10 per 1,000 searches + tokens)"),
    ("web_fetch", "Web fetch", "Claude may read pages whose address is in the conversation"),
    ("code_execution", "Code execution", "Claude may run code in Anthropic's sandbox"),
    (
        "local_tools",
        "Local tools (MCP)",
        "Claude may call the tools of your MCP servers (Settings › Tools); "
        "a tool that may change things asks you first",
    ),
)
NO_SERVERS = "Local tools (MCP): no server switched on yet"


class ToolsButton(QToolButton):
    """ "Tools" with a menu of checkable server tools; the label counts the ones switched on."""

    settings_requested = Signal()  # "MCP servers…": show Settings › Local tools (MCP)

    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tools_button")
        self.setAccessibleName("Server tools")
        self.setToolTip("Tools Claude may use in this conversation")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.controller = controller
        self.tools_menu = QMenu(self)
        self.tools_menu.setObjectName("tools_menu")
        self.actions_by_name: dict[str, QAction] = {}
        for name, label, tip in TOOLS:
            if name == "local_tools":
                self.tools_menu.addSeparator()
            action = self.tools_menu.addAction(label)
            action.setObjectName(f"tool_{name}")
            action.setCheckable(True)
            action.setToolTip(tip)
            action.toggled.connect(self._on_action_toggled)
            self.actions_by_name[name] = action
        servers = self.tools_menu.addAction("MCP servers…")
        servers.setObjectName("tool_mcp_settings")
        servers.setToolTip("Add, import or switch off the servers whose tools Claude may use")
        servers.triggered.connect(self.settings_requested)
        self.tools_menu.setToolTipsVisible(True)
        self.tools_menu.aboutToShow.connect(self._on_menu_about_to_show)
        self.setMenu(self.tools_menu)
        controller.settings_changed.connect(self.show_settings)
        self.show_settings(controller.settings)

    def show_settings(self, settings: ConversationSettings) -> None:
        tools = settings.tools
        for name, action in self.actions_by_name.items():
            action.blockSignals(True)
            action.setChecked(bool(getattr(tools, name)))
            action.blockSignals(False)
        local = self.actions_by_name["local_tools"]
        local.setEnabled(self._local_available())
        on = sum(1 for a in self.actions_by_name.values() if a.isChecked() and a.isEnabled())
        self.setText(f"Tools ({on})" if on else "Tools")
        both = tools.code_execution and (tools.web_search or tools.web_fetch)
        note = "the web tools run code themselves on this model"
        self.actions_by_name["code_execution"].setStatusTip(
            note if both and has_dynamic_filtering(settings.model) else ""
        )

    def _local_available(self) -> bool:
        access = self.controller.local_tools
        return access is not None and access.any_enabled()

    def _on_menu_about_to_show(self) -> None:
        """Local tools are offered once an MCP server is enabled (they may change meanwhile)."""
        available = self._local_available()
        local = self.actions_by_name["local_tools"]
        local.setEnabled(available)
        local.setText(TOOLS[-1][1] if available else NO_SERVERS)

    def _on_action_toggled(self, _checked: bool) -> None:
        settings = self.controller.settings.copy()
        for name, action in self.actions_by_name.items():
            setattr(settings.tools, name, action.isChecked())
        self.controller.update_settings(settings)
