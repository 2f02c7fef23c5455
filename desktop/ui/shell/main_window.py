"""The main window: sidebar, conversation, composer, per-conversation settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QSplitter, QVBoxLayout, QWidget

from desktop.core.conversation import Conversation, ConversationSettings, Message
from desktop.ui.chat.composer_row import ComposerRow
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.header import ChatHeader
from desktop.ui.chat.view import ChatView
from desktop.ui.chat.wiring import connect_view
from desktop.ui.common.enum_props import set_shortcut
from desktop.ui.context.input import DocumentInput
from desktop.ui.shell.keyboard import help_action, set_up_keyboard
from desktop.ui.shell.side_panels import SidePanels
from desktop.ui.shell.sidebar import PAGE_SIZE, Sidebar
from desktop.ui.shell.sidebar_search import SearchFunc, SidebarSearch
from desktop.ui.shell.theme import add_theme_menu, theme_controller
from desktop.ui.shell.zoom import Zoom, add_zoom_menu

STATUS_MS = 10_000

if TYPE_CHECKING:  # the Spend view loads when first opened; types only used in annotations
    from PySide6.QtGui import QCloseEvent, QPaintEvent

    from desktop.core.ports import ExportFiles
    from desktop.core.spend import UsageSource
    from desktop.ui.settings.local_tools import LocalToolsWiring
    from desktop.ui.settings.panel import SettingsPanel
    from desktop.ui.spend.view import SpendView


class MainWindow(QMainWindow):
    api_key_dialog_requested = Signal()
    preferences_requested = Signal()
    about_requested = Signal()
    closing = Signal()

    def __init__(
        self, controller: ChatController, search: SearchFunc | None = None, *, exports: ExportFiles
    ) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.setWindowTitle("Claude Desk")
        self.resize(1180, 780)
        self.controller = controller
        self.exports = exports  # every export is written through it (owner-only, atomic)
        self._query = ""
        self.spend_sources: list[UsageSource] = [controller.store.usage_records]
        self.spend_view: SpendView | None = None
        self._build()
        current_id = lambda: c.id if (c := controller.conversation) else None  # noqa: E731
        self._search = (
            None
            if search is None
            else SidebarSearch(
                self.sidebar, controller.tasks, search, current_id, controller.storage_failed.emit
            )
        )
        self._build_menus()
        self._connect()
        self.refresh_conversations()
        self.controller.new_conversation()

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        # Every part is built in its final parent: moving a styled widget to another parent
        # polishes it, and all inside it, again (~6 ms of the first paint).
        splitter = QSplitter(parent=self)  # horizontal; by keyword: no `Qt` (see enum_props)
        splitter.setObjectName("main_splitter")
        self.sidebar = Sidebar(splitter)
        center = QWidget(splitter)
        column = QVBoxLayout(center)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.header = ChatHeader(self.controller, center)
        self.chat_view = ChatView(self.controller.catalog, center)
        self.composer_row = ComposerRow(self.controller, center)
        column.addWidget(self.header)
        column.addWidget(self.chat_view, 1)
        column.addWidget(self.composer_row)
        self._name_parts()
        self.documents_input = DocumentInput(
            self, self.controller, self.composer_row, add_panel=self._add_context
        )
        splitter.addWidget(self.sidebar)
        splitter.addWidget(center)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 920])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self._splitter = splitter
        self.side_panels = SidePanels(self, splitter)
        self.side_panels.on_closed(self._on_side_panel_closed)
        self._settings_panel: SettingsPanel | None = None  # built after the first paint
        self.local_tools: LocalToolsWiring | None = None  # MCP servers, set by the app before
        self._side_panels_scheduled = False
        self.panel_widths = self.side_panels.widths  # remembered widths of side panels, by name
        self.key_status = QLabel(self)
        self.key_status.setObjectName("key_status_label")
        self.statusBar().addPermanentWidget(self.key_status)

    def _name_parts(self) -> None:
        """The parts tests and people reach through the window, under their usual names."""
        header, row = self.header, self.composer_row
        self.title_label, self.cost_label = header.title_label, header.cost_label
        self.model_picker, self.settings_button = header.model_picker, header.settings_button
        self.composer, self.attachment_strip = row.composer, row.attachment_strip
        self.send_button, self.stop_button = row.send_button, row.stop_button
        self.action_stack, self.token_estimate = row.action_stack, row.token_estimate
        self.attach_button, self.add_document_button = row.attach_button, row.add_document_button
        self.estimator, self.attach_files = row.estimator, row.attach_files
        self.attach_image, self.attach_urls = row.attach_image, row.attach_urls
        self.focus_composer = row.focus_composer

    @property
    def settings_panel(self) -> SettingsPanel:
        """The conversation's settings, built right after the first paint (or when needed
        sooner): 37 widgets fewer to build and style before it."""
        if self._settings_panel is None:
            from desktop.ui.settings.panel import SettingsPanel  # after the first paint

            panel = SettingsPanel(
                self.controller.catalog, self._splitter, local_tools=self.local_tools
            )
            panel.setVisible(False)
            panel.show_settings(self.controller.settings)
            panel.settings_edited.connect(self.controller.update_settings)
            self.side_panels.add(panel, self._splitter.count())  # last: right of the context
            self._settings_panel = panel
        return self._settings_panel

    def set_local_tools(self, wiring: LocalToolsWiring) -> None:
        """The user's MCP servers, once the app has started them (Settings › Tools)."""
        self.local_tools = wiring
        if self._settings_panel is not None:
            self._settings_panel.set_local_tools(wiring)

    def _add_context(self, panel: QWidget) -> None:
        self.side_panels.add(panel, 2)  # right of the conversation, left of the settings

    def _on_side_panel_closed(self, panel: QWidget) -> None:
        if panel is self._settings_panel:
            self.settings_button.setChecked(False)

    def _on_settings_button_toggled(self, checked: bool) -> None:
        self.settings_panel.setVisible(checked)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        new = QAction("&New conversation", self)
        set_shortcut(new, "Ctrl+N")
        new.triggered.connect(self.controller.new_conversation)
        quit_action = QAction("&Quit", self)
        set_shortcut(quit_action, "Ctrl+Q")
        quit_action.triggered.connect(self.close)
        file_menu.addActions([new, quit_action])
        self.chat_menu = self.menuBar().addMenu("&Chat")  # filled by the chat room (_connect)
        settings_menu = self.menuBar().addMenu("&Settings")
        key = QAction("&API key…", self)
        key.triggered.connect(self.api_key_dialog_requested)
        preferences = QAction("&Preferences…", self)
        preferences.setObjectName("preferences_action")
        set_shortcut(preferences, "Ctrl+Shift+,")  # Ctrl+, is the conversation's settings
        preferences.triggered.connect(self.preferences_requested)
        settings_menu.addActions([key, preferences])
        self._build_view_menu()
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Claude Desk", self)
        about.triggered.connect(self.about_requested)
        help_menu.addActions([help_action(self), about])

    def _build_view_menu(self) -> None:
        view_menu = self.menuBar().addMenu("&View")
        self.spend_action = QAction("&Spend…", self)
        set_shortcut(self.spend_action, "Ctrl+Shift+S")
        self.spend_action.setObjectName("spend_action")
        self.spend_action.setToolTip("What your chats cost per day and per model (Ctrl+Shift+S)")
        self.spend_action.triggered.connect(self.show_spend)
        view_menu.addAction(self.spend_action)
        themes = theme_controller()
        if themes is not None:
            self.theme_actions = add_theme_menu(view_menu, themes)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            view_menu.addSeparator()
            self.zoom = Zoom(app)
            add_zoom_menu(view_menu, self.zoom)

    def _connect(self) -> None:
        c = self.controller
        self.branching = connect_view(self.chat_view, c, self.composer_row)
        self.chat_menu.addAction(self.branching.regenerate_action)
        self.composer_row.status_message.connect(self.show_status)
        c.conversation_opened.connect(self._on_controller_conversation_opened)
        c.settings_changed.connect(self._on_controller_settings_changed)
        c.conversations_changed.connect(self.refresh_conversations)
        c.catalog_changed.connect(self._on_controller_catalog_changed)
        c.storage_failed.connect(self._on_controller_storage_failed)
        self.sidebar.new_requested.connect(c.new_conversation)
        self.sidebar.open_requested.connect(c.open_conversation)
        self.sidebar.rename_requested.connect(c.rename_conversation)
        self.sidebar.delete_requested.connect(c.delete_conversation)
        self.sidebar.search_changed.connect(self._on_sidebar_search_changed)
        self.settings_button.toggled.connect(self._on_settings_button_toggled)

    # -- reactions ------------------------------------------------------------------------------

    def refresh_conversations(self) -> None:
        """The sidebar's list again: search results, or as many of the newest conversations as
        were shown (at least a page; more are read as the list scrolls)."""
        current = self.controller.conversation
        current_id = current.id if current else None
        if self._query and self._search is not None:
            self._search.show(self._query, max(PAGE_SIZE, self.sidebar.model.rowCount()))
        else:
            if self._search is not None:
                self._search.cancel()
            shown = max(PAGE_SIZE, self.sidebar.model.rowCount())
            newest = self.controller.list_conversations(limit=shown)
            more = len(newest) == shown
            self.sidebar.set_conversations(newest, current_id, self._page_after if more else None)
        if current is not None:
            self.header.show_title()

    def _page_after(self, last: Conversation, limit: int) -> list[Conversation]:
        return self.controller.list_conversations(limit, after=last)

    def _on_sidebar_search_changed(self, query: str) -> None:
        self._query = query
        self.refresh_conversations()

    def _on_controller_conversation_opened(
        self, conversation: Conversation | None, _messages: list[Message], _more: bool
    ) -> None:
        self.sidebar.select(conversation.id if conversation else None)

    def _on_controller_settings_changed(self, settings: ConversationSettings) -> None:
        if self._settings_panel is not None:
            self._settings_panel.show_settings(settings)

    def _on_controller_catalog_changed(self) -> None:
        if self._settings_panel is not None:
            self._settings_panel.catalog = self.controller.catalog

    def _on_controller_storage_failed(self, message: str) -> None:
        """One warning box, kept up to date (a failing disk fails every save), shown without
        a nested event loop (`open`): the answer streaming meanwhile goes on."""
        from PySide6.QtWidgets import QMessageBox  # dialogs load on first use (startup)

        box = self.findChild(QMessageBox, "storage_problem_box")
        if box is None or not box.isVisible():
            box = QMessageBox(QMessageBox.Icon.Warning, "History storage problem", message)
            box.setParent(self, box.windowFlags())
            box.setObjectName("storage_problem_box")
            box.finished.connect(box.deleteLater)
            box.open()
        box.setText(message)

    def show_status(self, message: str) -> None:
        """A passing notice in the status bar."""
        self.statusBar().showMessage(message, STATUS_MS)

    # -- spend ----------------------------------------------------------------------------------

    def add_spend_source(self, source: UsageSource) -> None:
        """Another reporter of spending (e.g. Message Batches) for the Spend view."""
        self.spend_sources.append(source)
        if self.spend_view is not None:
            self.spend_view.sources = list(self.spend_sources)

    def show_spend(self) -> None:
        """Open (or raise) the Spend view and read the spending again."""
        if self.spend_view is None:
            from desktop.ui.spend.view import SpendView  # built on first use, not at startup

            c = self.controller
            view = SpendView(
                self.spend_sources, lambda m: c.catalog.get(m), c.tasks, self, exports=self.exports
            )
            self.spend_view = view
        self.spend_view.sources = list(self.spend_sources)
        self.spend_view.show()
        self.spend_view.raise_()
        self.spend_view.activateWindow()
        self.spend_view.reload()

    def set_key_status(self, text: str) -> None:
        self.key_status.setText(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._side_panels_scheduled:  # the first frame: the rest once it is on screen
            self._side_panels_scheduled = True
            QTimer.singleShot(0, self._build_side_panels)

    def _build_side_panels(self) -> None:
        """Build the panels the first paint goes without, so they are ready when needed."""
        _ = self.settings_panel, self.documents_input.panel
        set_up_keyboard(self, self.sidebar, self.chat_view, self.composer_row, self.header)
        from desktop.ui.shell.find import set_up_find  # after the first paint

        self.search_jump = set_up_find(self.sidebar, self.chat_view, self.controller)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)
