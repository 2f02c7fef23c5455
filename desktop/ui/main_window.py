"""The main window: sidebar, conversation, composer, per-conversation settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conversation import Conversation, ConversationSettings, Message
from desktop.ui.attachment_strip import AttachmentStrip
from desktop.ui.chat_controller import ChatController
from desktop.ui.chat_view import ChatView
from desktop.ui.composer import Composer
from desktop.ui.context_input import DocumentInput
from desktop.ui.enum_props import set_enum_property, set_shortcut
from desktop.ui.image_input import PASTED_NAME, png_loader
from desktop.ui.model_picker import ModelPicker
from desktop.ui.sidebar import PAGE_SIZE, Sidebar
from desktop.ui.token_estimate import TokenEstimator

SearchFunc = Callable[[str, int, "Conversation | None"], list[Conversation]]
"""Conversations matching a query: at most `limit` of them, after the given one (a page).
Runs in a worker thread."""
SEARCH_GROUP = "sidebar-search"
SIDE_PANEL_WIDTH = 300
IMAGE_FILTER = (
    "Images (*.png *.jpg *.jpeg *.gif *.webp *.bmp *.tif *.tiff *.heic *.avif *.ico);;All files (*)"
)

if TYPE_CHECKING:  # the Spend view loads when first opened; types only used in annotations
    from PySide6.QtGui import QCloseEvent, QImage, QPaintEvent

    from desktop.core.spend import UsageSource
    from desktop.ui.settings_panel import SettingsPanel
    from desktop.ui.spend_view import SpendView


def at_bottom(widget: QWidget) -> QVBoxLayout:
    """`widget` at the bottom of its row (a stretch above it: no `Qt` alignment, see enum_props)."""
    column = QVBoxLayout()
    column.setSpacing(0)
    column.addStretch(1)
    column.addWidget(widget)
    return column


class MainWindow(QMainWindow):
    api_key_dialog_requested = Signal()
    about_requested = Signal()
    closing = Signal()

    def __init__(self, controller: ChatController, search: SearchFunc | None = None) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.setWindowTitle("Claude Desk")
        self.resize(1180, 780)
        self.controller = controller
        self._search = search
        self._query = ""
        self._drafts: dict[int | None, str] = {}  # unsent text per conversation (None: new)
        self._draft_owner: int | None = None
        self.spend_sources: list[UsageSource] = [controller.store.usage_records]
        self.spend_view: SpendView | None = None
        self._build()
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
        self.chat_view = ChatView(self.controller.catalog, center)
        column.addWidget(self._build_header(center))
        column.addWidget(self.chat_view, 1)
        column.addWidget(self._build_composer_row(center))
        splitter.addWidget(self.sidebar)
        splitter.addWidget(center)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 920])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self._splitter = splitter
        self._settings_panel: SettingsPanel | None = None  # built after the first paint
        self._side_panels_scheduled = False
        self.key_status = QLabel(self)
        self.key_status.setObjectName("key_status_label")
        self.statusBar().addPermanentWidget(self.key_status)

    def _build_header(self, parent: QWidget) -> QWidget:
        header = QWidget(parent)
        header.setObjectName("chat_header")
        row = QHBoxLayout(header)
        row.setContentsMargins(16, 8, 12, 8)
        self.title_label = QLabel("New conversation", header)
        self.title_label.setObjectName("conversation_title")
        self.cost_label = QLabel(header)
        self.cost_label.setObjectName("cost_label")
        self.cost_label.setAccessibleName("Conversation cost")
        self.model_picker = ModelPicker(self.controller.catalog, header)
        self.settings_button = QToolButton(header)
        self.settings_button.setObjectName("settings_toggle")
        self.settings_button.setText("Settings")
        self.settings_button.setToolTip("System prompt, max output, thinking (Ctrl+,)")
        self.settings_button.setCheckable(True)
        set_shortcut(self.settings_button, "Ctrl+,")
        row.addWidget(self.title_label, 1)
        row.addWidget(self.cost_label)
        row.addWidget(self.model_picker)
        row.addWidget(self.settings_button)
        return header

    def _build_composer_row(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        box.setObjectName("composer_row")
        column = QVBoxLayout(box)
        column.setContentsMargins(16, 8, 16, 12)
        column.setSpacing(0)
        self.attachment_strip: AttachmentStrip | None = None
        if self.controller.attachments is not None:
            self.attachment_strip = AttachmentStrip(self.controller.attachments, box)
            column.addWidget(self.attachment_strip)
        row = QHBoxLayout()
        column.addLayout(row)
        self.attach_button = QToolButton(box)
        self.attach_button.setObjectName("attach_button")
        self.attach_button.setText("Attach image…")
        self.attach_button.setToolTip("Attach images (or drop or paste them)")
        self.attach_button.setAccessibleName("Attach image")
        self.attach_button.setVisible(self.controller.attachments is not None)
        row.addLayout(at_bottom(self.attach_button))
        self.add_document_button = QToolButton(box)
        self.add_document_button.setObjectName("add_document_button")
        self.add_document_button.setText("Add document…")
        self.add_document_button.setToolTip("Add PDFs or text files to this conversation's context")
        self.add_document_button.setAccessibleName("Add document")
        self.add_document_button.setVisible(self.controller.documents is not None)
        row.addLayout(at_bottom(self.add_document_button))
        self.composer = Composer(box)
        self.documents_input = DocumentInput(
            self, self.controller, self.composer, offer_parent=box, add_panel=self._add_context
        )
        column.insertWidget(0, self.documents_input.offer)
        self.send_button = QPushButton("Send", box)
        self.send_button.setObjectName("send_button")
        self.send_button.setAccessibleName("Send message")
        self.send_button.setDefault(False)
        self.stop_button = QPushButton("Stop", box)
        self.stop_button.setObjectName("stop_button")
        self.stop_button.setAccessibleName("Stop the answer")
        set_shortcut(self.stop_button, "Esc")
        self.action_stack = QStackedWidget(box)
        self.action_stack.addWidget(self.send_button)
        self.action_stack.addWidget(self.stop_button)
        self.action_stack.setFixedWidth(88)
        row.addWidget(self.composer, 1)
        row.addLayout(at_bottom(self.action_stack))
        self.token_estimate = QLabel(box)
        self.token_estimate.setObjectName("token_estimate")
        self.token_estimate.setAccessibleName("Estimated input tokens and price")
        set_enum_property(self.token_estimate, "alignment", "AlignRight|AlignVCenter")
        column.addWidget(self.token_estimate)
        return box

    @property
    def settings_panel(self) -> SettingsPanel:
        """The conversation's settings, built right after the first paint (or when needed
        sooner): 37 widgets fewer to build and style before it."""
        if self._settings_panel is None:
            from desktop.ui.settings_panel import SettingsPanel  # after the first paint

            panel = SettingsPanel(self.controller.catalog, self._splitter)
            panel.setVisible(False)
            panel.show_settings(self.controller.settings)
            panel.settings_edited.connect(self.controller.update_settings)
            self.add_side_panel(panel, self._splitter.count())  # last: right of the context
            self._settings_panel = panel
        return self._settings_panel

    def _add_context(self, panel: QWidget) -> None:
        self.add_side_panel(panel, 2)  # right of the conversation, left of the settings

    def add_side_panel(self, panel: QWidget, index: int) -> None:
        """A (hidden) panel beside the conversation, built after the window: when it shows,
        the conversation gives up `SIDE_PANEL_WIDTH` for it, as if it had been there all along."""
        sizes = self._splitter.sizes()
        self._splitter.insertWidget(index, panel)
        self._splitter.setSizes([*sizes[:index], SIDE_PANEL_WIDTH, *sizes[index:]])

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
        settings_menu = self.menuBar().addMenu("&Settings")
        key = QAction("&API key…", self)
        key.triggered.connect(self.api_key_dialog_requested)
        settings_menu.addAction(key)
        self._build_view_menu()
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Claude Desk", self)
        about.triggered.connect(self.about_requested)
        help_menu.addAction(about)

    def _build_view_menu(self) -> None:
        view_menu = self.menuBar().addMenu("&View")
        self.spend_action = QAction("&Spend…", self)
        set_shortcut(self.spend_action, "Ctrl+Shift+S")
        self.spend_action.setObjectName("spend_action")
        self.spend_action.setToolTip("What your chats cost per day and per model (Ctrl+Shift+S)")
        self.spend_action.triggered.connect(self.show_spend)
        view_menu.addAction(self.spend_action)

    def _connect(self) -> None:
        c = self.controller
        self.estimator = TokenEstimator(c, self)
        self.estimator.estimate_changed.connect(self._on_estimator_estimate_changed)
        self.composer.textChanged.connect(self._on_draft_changed)
        if c.attachments is not None:
            c.attachments.changed.connect(self._on_draft_changed)
        c.conversation_opened.connect(lambda *_: self.estimator.history_changed())
        c.message_updated.connect(lambda _message: self.estimator.history_changed())
        c.settings_changed.connect(lambda _settings: self._on_draft_changed())
        c.conversation_opened.connect(self._on_controller_conversation_opened)
        c.earlier_loaded.connect(self.chat_view.prepend_messages)
        c.message_added.connect(self.chat_view.add_message)
        c.message_updated.connect(self.chat_view.update_message)
        c.message_removed.connect(self.chat_view.remove_message)
        c.stream_text.connect(self.chat_view.append_text)
        c.stream_thinking.connect(self.chat_view.append_thinking)
        c.wait_started.connect(self.chat_view.show_wait)
        c.busy_changed.connect(self._on_controller_busy_changed)
        c.settings_changed.connect(self._on_controller_settings_changed)
        c.conversations_changed.connect(self.refresh_conversations)
        c.catalog_changed.connect(self._on_controller_catalog_changed)
        c.storage_failed.connect(self._on_controller_storage_failed)
        c.cost_changed.connect(self._on_controller_cost_changed)
        self.chat_view.retry_requested.connect(c.retry)
        self.chat_view.continue_requested.connect(c.continue_answer)
        self.chat_view.cancel_wait_requested.connect(c.stop)
        self.chat_view.load_earlier_requested.connect(c.load_earlier)
        self.sidebar.new_requested.connect(c.new_conversation)
        self.sidebar.open_requested.connect(c.open_conversation)
        self.sidebar.rename_requested.connect(c.rename_conversation)
        self.sidebar.delete_requested.connect(c.delete_conversation)
        self.sidebar.search_changed.connect(self._on_sidebar_search_changed)
        self.composer.submitted.connect(self._on_composer_submitted)
        self.send_button.clicked.connect(self.composer.submit)
        self.stop_button.clicked.connect(c.stop)
        self.model_picker.currentIndexChanged.connect(self._on_model_picker_changed)
        self.settings_button.toggled.connect(self._on_settings_button_toggled)
        self._connect_images()

    def _connect_images(self) -> None:
        c = self.controller
        self.chat_view.image_open_requested.connect(self._on_chat_view_image_open_requested)
        self.chat_view.thumbnails = c.thumbnail
        c.thumbnail_ready.connect(self.chat_view.show_thumbnail)
        if c.attachments is None:
            return
        c.attachments.changed.connect(self._on_attachments_changed)
        c.attachments.failed.connect(self._on_attachments_failed)
        c.send_refused.connect(self._on_controller_send_refused)
        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        self.composer.files_received.connect(self.attach_files)
        self.composer.image_received.connect(self.attach_image)
        self.composer.urls_received.connect(self.attach_urls)
        self.chat_view.files_dropped.connect(self.attach_files)
        self.chat_view.image_dropped.connect(self.attach_image)

    # -- reactions ------------------------------------------------------------------------------

    def refresh_conversations(self) -> None:
        """The sidebar's list again: search results, or as many of the newest conversations as
        were shown (at least a page; more are read as the list scrolls)."""
        current = self.controller.conversation
        current_id = current.id if current else None
        if self._query and self._search is not None:
            self._start_search(max(PAGE_SIZE, self.sidebar.model.rowCount()), None)
        else:
            self.controller.tasks.cancel(SEARCH_GROUP)
            shown = max(PAGE_SIZE, self.sidebar.model.rowCount())
            newest = self.controller.list_conversations(limit=shown)
            more = len(newest) == shown
            self.sidebar.set_conversations(newest, current_id, self._page_after if more else None)
        if current is not None:
            self.title_label.setText(current.title)

    def _page_after(self, last: Conversation, limit: int) -> list[Conversation]:
        return self.controller.list_conversations(limit, after=last)

    def _start_search(self, limit: int, after: Conversation | None) -> None:
        """Search in a worker thread (a common word over a long history takes a while); the
        results replace the list (`after` None) or extend it (a page as the list scrolls)."""
        import asyncio

        from desktop.ui.gil import run_ui_first

        query, search = self._query, self._search
        assert search is not None
        work = asyncio.to_thread(run_ui_first, search, query, limit, after)
        done = lambda task: self._on_search_done(task, query, limit, after)  # noqa: E731
        self.controller.tasks.start(SEARCH_GROUP, work, done)

    def _request_search_page(self, last: Conversation, limit: int) -> None:
        self._start_search(limit, last)

    def _on_search_done(
        self, task: Any, query: str, limit: int, after: Conversation | None
    ) -> None:
        if task.cancelled() or query != self._query:
            return
        if (error := task.exception()) is not None:
            self.controller.storage_failed.emit(getattr(error, "message", str(error)))
            return
        found: list[Conversation] = task.result()
        more = self._request_search_page if len(found) == limit else None
        if after is not None:
            self.sidebar.model.append_page(found, more is not None)
            return
        current = self.controller.conversation
        self.sidebar.set_conversations(found, current.id if current else None, None, more)

    def _on_sidebar_search_changed(self, query: str) -> None:
        self._query = query
        self.refresh_conversations()

    def _on_controller_conversation_opened(
        self, conversation: Conversation | None, messages: list[Message], has_earlier: bool
    ) -> None:
        self.chat_view.show_messages(messages, has_earlier)
        self._swap_draft(conversation.id if conversation else None)
        self.title_label.setText(conversation.title if conversation else "New conversation")
        self.sidebar.select(conversation.id if conversation else None)
        self.focus_composer()

    def _swap_draft(self, owner: int | None) -> None:
        """Keep the composer's unsent text with its conversation; bring back the new one's."""
        if owner == self._draft_owner:
            return
        text = self.composer.toPlainText()
        if text.strip():
            self._drafts[self._draft_owner] = text
        else:
            self._drafts.pop(self._draft_owner, None)
        self._draft_owner = owner
        self.composer.setPlainText(self._drafts.pop(owner, ""))
        from PySide6.QtGui import QTextCursor  # not before the first paint (startup)

        self.composer.moveCursor(QTextCursor.MoveOperation.End)

    def _on_controller_busy_changed(self, busy: bool) -> None:
        self.action_stack.setCurrentWidget(self.stop_button if busy else self.send_button)
        self.composer.set_send_enabled(not busy)
        if not busy:
            self.focus_composer()

    def _on_controller_settings_changed(self, settings: ConversationSettings) -> None:
        self.model_picker.select_model(settings.model)
        if self._settings_panel is not None:
            self._settings_panel.show_settings(settings)

    def _on_controller_catalog_changed(self) -> None:
        catalog = self.controller.catalog
        self.chat_view.catalog = catalog
        if self._settings_panel is not None:
            self._settings_panel.catalog = catalog
        self.model_picker.set_catalog(catalog)
        self.model_picker.select_model(self.controller.settings.model)

    def _on_draft_changed(self) -> None:
        self.estimator.draft_changed(self.composer.toPlainText())

    def _on_estimator_estimate_changed(self, label: str, tooltip: str) -> None:
        self.token_estimate.setText(label)
        self.token_estimate.setToolTip(tooltip)

    def _on_controller_cost_changed(self, label: str, tooltip: str) -> None:
        self.cost_label.setText(label)
        self.cost_label.setToolTip(tooltip)

    def _on_controller_storage_failed(self, message: str) -> None:
        from PySide6.QtWidgets import QMessageBox  # dialogs load on first use (startup)

        QMessageBox.warning(self, "History storage problem", message)

    def _on_model_picker_changed(self, _index: int) -> None:
        model = self.model_picker.current_model()
        if not model or model == self.controller.settings.model:
            return
        settings = self.controller.settings.copy()
        settings.model = model
        self.controller.update_settings(settings)

    def _on_composer_submitted(self, text: str) -> None:
        if self.controller.send(text):
            conversation = self.controller.conversation
            self._draft_owner = conversation.id if conversation else None
            self.composer.clear()
            if self.attachment_strip is not None:
                self.attachment_strip.show_message("")

    # -- images ---------------------------------------------------------------------------------

    def attach_files(self, paths: list[str]) -> None:
        """Images join the message; other files (PDFs, text) the conversation's context."""
        images, documents = self.documents_input.split(paths)
        if documents:
            self.documents_input.add_files(documents)
        attachments = self.controller.attachments
        if attachments is None or not images:
            self.focus_composer()
            return
        if self.attachment_strip is not None:
            self.attachment_strip.show_message("")
        attachments.add_files(images)
        self.focus_composer()

    def attach_image(self, image: QImage) -> None:
        attachments = self.controller.attachments
        if attachments is not None:
            attachments.add_data(PASTED_NAME, png_loader(image))
            self.focus_composer()

    def attach_urls(self, urls: list[str]) -> None:
        """Images on the web (a pasted image address): Claude downloads them when sent."""
        attachments = self.controller.attachments
        if attachments is not None:
            for url in urls:
                attachments.add_url(url)
            self.focus_composer()

    def _on_attach_button_clicked(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        paths, _filter = QFileDialog.getOpenFileNames(self, "Attach images", "", IMAGE_FILTER)
        if paths:
            self.attach_files(paths)

    def _on_attachments_changed(self) -> None:
        attachments = self.controller.attachments
        self.composer.has_attachments = bool(attachments and attachments.items)

    def _on_attachments_failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    def _on_controller_send_refused(self, message: str) -> None:
        if self.attachment_strip is not None:
            self.attachment_strip.show_message(message)
        self.statusBar().showMessage(message, 10000)

    def _on_chat_view_image_open_requested(self, sha256: str) -> None:
        data = self.controller.load_blob(sha256)
        if data:
            from desktop.ui.image_preview import ImagePreviewDialog  # on first use

            ImagePreviewDialog(data, "Image", self).open()

    # -- spend ----------------------------------------------------------------------------------

    def add_spend_source(self, source: UsageSource) -> None:
        """Another reporter of spending (e.g. Message Batches) for the Spend view."""
        self.spend_sources.append(source)
        if self.spend_view is not None:
            self.spend_view.sources = list(self.spend_sources)

    def show_spend(self) -> None:
        """Open (or raise) the Spend view and read the spending again."""
        if self.spend_view is None:
            from desktop.ui.spend_view import SpendView  # built on first use, not at startup

            c = self.controller
            view = SpendView(self.spend_sources, lambda m: c.catalog.get(m), c.tasks, self)
            self.spend_view = view
        self.spend_view.sources = list(self.spend_sources)
        self.spend_view.show()
        self.spend_view.raise_()
        self.spend_view.activateWindow()
        self.spend_view.reload()

    def focus_composer(self) -> None:
        """Give the composer focus now and again after the current click has been handled."""
        self.composer.setFocus()  # Qt.FocusReason.OtherFocusReason
        QTimer.singleShot(0, lambda: self.composer.setFocus())

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

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)
