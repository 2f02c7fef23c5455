"""The conversation list: newest first, new / rename / delete, and search."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conversation import Conversation
from desktop.core.formatting import relative_time
from desktop.core.search import ConversationHit, plain_snippet
from desktop.ui.common.enum_props import set_enum_property, set_shortcut

if TYPE_CHECKING:
    from PySide6.QtCore import QPoint

# Qt.ItemDataRole values as plain ints: the list is built before the first paint (enum_props).
DISPLAY_ROLE = 0
TOOLTIP_ROLE = 3
ACCESSIBLE_TEXT_ROLE = 11
ConversationRole = 256 + 1  # Qt.ItemDataRole.UserRole + 1
AnyIndex = QModelIndex | QPersistentModelIndex


PageFetcher = Callable[[Conversation, int], list[Conversation]]
"""The next `limit` conversations after the given one (newest first)."""
PageRequester = Callable[[Conversation, int], None]
"""Asks for the next `limit` conversations after the given one; they arrive later, through
`ConversationListModel.append_page` (a search runs in a worker thread)."""
PAGE_SIZE = 100
"""Conversations read at a time: more than a window shows, so one page fills the list; the
next is read when the list is scrolled to its end (cost independent of the history's size)."""


class ConversationListModel(QAbstractListModel):
    """The conversations shown in the sidebar, read a page at a time as the list scrolls."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[Conversation] = []
        self._fetch_page: PageFetcher | None = None
        self._request_page: PageRequester | None = None
        self._requested = False  # a requested page has not arrived yet

    def set_conversations(
        self,
        conversations: list[Conversation],
        fetch_page: PageFetcher | None = None,
        request_page: PageRequester | None = None,
    ) -> None:
        """Show `conversations`; `fetch_page` reads those after them when the list scrolls
        to its end, or `request_page` asks for them (None: there are no more)."""
        self.beginResetModel()
        self._items = list(conversations)
        self._fetch_page = fetch_page
        self._request_page = request_page
        self._requested = False
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or not self._items:
            return False
        return self._fetch_page is not None or (
            self._request_page is not None and not self._requested
        )

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        if self._request_page is not None:
            self._requested = True
            self._request_page(self._items[-1], PAGE_SIZE)
            return
        assert self._fetch_page is not None
        page = self._fetch_page(self._items[-1], PAGE_SIZE)
        if len(page) < PAGE_SIZE:
            self._fetch_page = None  # the end of the history
        self._append(page)

    def append_page(self, page: list[Conversation], more: bool) -> None:
        """The page asked for through `request_page` arrived; `more`: others may follow."""
        self._requested = False
        if not more:
            self._request_page = None
        self._append(page)

    def _append(self, page: list[Conversation]) -> None:
        if page:
            first = len(self._items)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._items.extend(page)
            self.endInsertRows()

    def data(self, index: AnyIndex, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        if role == DISPLAY_ROLE:
            return item.title
        if role == TOOLTIP_ROLE:
            pinned = "Pinned · " if item.pinned else ""
            tip = f"{item.title}\n{pinned}Updated {relative_time(item.updated_at)}"
            return tip + _snippet_line(item)
        if role == ACCESSIBLE_TEXT_ROLE:
            return f"{item.title}{', pinned' if item.pinned else ''}{_snippet_line(item)}"
        if role == ConversationRole:
            return item
        return None

    def row_of(self, conversation_id: int) -> int:
        for row, item in enumerate(self._items):
            if item.id == conversation_id:
                return row
        return -1

    def conversation_at(self, row: int) -> Conversation:
        return self._items[row]


class Sidebar(QFrame):  # a frame paints its stylesheet background; a plain widget does not
    new_requested = Signal()
    open_requested = Signal(object)  # Conversation
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)
    pin_requested = Signal(int, bool)  # conversation id, pinned
    export_requested = Signal(int)  # conversation id
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.new_button = QPushButton("New conversation", self)
        self.new_button.setObjectName("new_conversation_button")
        self.new_button.setToolTip("New conversation (Ctrl+N)")
        self.new_button.clicked.connect(self.new_requested)
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("search_box")
        self.search_box.setAccessibleName("Search conversations")
        self.search_box.setPlaceholderText("Search conversations")
        self.search_box.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=200)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search_box.textChanged.connect(lambda _text: self._search_timer.start())
        self.model = ConversationListModel(self)
        self.view = QListView(self)
        self.view.setObjectName("conversation_list")
        self.view.setAccessibleName("Conversations")
        self.view.setModel(self.model)
        self.view.setUniformItemSizes(True)
        set_enum_property(self.view, "horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        set_enum_property(self.view, "contextMenuPolicy", "CustomContextMenu")
        self.view.customContextMenuRequested.connect(self._on_view_context_menu)
        self.view.clicked.connect(self._on_view_clicked)
        self.view.activated.connect(self._on_view_clicked)
        self.menu: QWidget | None = None  # the conversation's right-click menu, while open
        self._add_shortcuts()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search_box)
        layout.addWidget(self.view, 1)

    def _add_shortcuts(self) -> None:
        rename = QAction("Rename", self.view)
        set_shortcut(rename, "F2")
        set_enum_property(rename, "shortcutContext", "WidgetShortcut")
        rename.triggered.connect(lambda: self.ask_rename(self.view.currentIndex().row()))
        delete = QAction("Delete", self.view)
        set_shortcut(delete, "Del")
        set_enum_property(delete, "shortcutContext", "WidgetShortcut")
        delete.triggered.connect(lambda: self.ask_delete(self.view.currentIndex().row()))
        self.view.addActions([rename, delete])

    def set_conversations(
        self,
        conversations: list[Conversation],
        current_id: int | None,
        fetch_page: PageFetcher | None = None,
        request_page: PageRequester | None = None,
    ) -> None:
        """Show `conversations` (and, with `fetch_page` or `request_page`, more as the list
        scrolls)."""
        self.model.set_conversations(conversations, fetch_page, request_page)
        self.select(current_id)

    def select(self, conversation_id: int | None) -> None:
        row = -1 if conversation_id is None else self.model.row_of(conversation_id)
        if row < 0:
            self.view.clearSelection()
            self.view.setCurrentIndex(QModelIndex())
        else:
            self.view.setCurrentIndex(self.model.index(row))

    def _on_view_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.conversation_at(index.row()))

    def _on_view_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        from PySide6.QtWidgets import QMenu  # dialogs and menus load on first use (startup)

        conversation = self.model.conversation_at(index.row())
        pinned = conversation.pinned
        menu = QMenu(self)
        menu.setObjectName("conversation_menu")
        menu.addAction(
            "Unpin" if pinned else "Pin",
            lambda: self.pin_requested.emit(conversation.id, not pinned),
        )
        menu.addAction("Rename…", lambda: self.ask_rename(index.row()))
        menu.addAction("Delete…", lambda: self.ask_delete(index.row()))
        menu.addAction("Export…", lambda: self.export_requested.emit(conversation.id))
        menu.aboutToHide.connect(menu.deleteLater)  # its action still runs (queued delete)
        self.menu = menu  # the one open (tests and screen readers reach it here)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def ask_rename(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        from PySide6.QtWidgets import QInputDialog

        conversation = self.model.conversation_at(row)
        title, ok = QInputDialog.getText(
            self, "Rename conversation", "Title:", QLineEdit.EchoMode.Normal, conversation.title
        )
        if ok and title.strip():
            self.rename_requested.emit(conversation.id, title.strip())

    def ask_delete(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        from PySide6.QtWidgets import QMessageBox

        conversation = self.model.conversation_at(row)
        answer = QMessageBox.question(
            self,
            "Delete conversation",
            f"Delete “{conversation.title}” and all its messages? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_requested.emit(conversation.id)

    def _on_search_timer_timeout(self) -> None:
        self.search_changed.emit(self.search_box.text().strip())


def _snippet_line(item: Conversation) -> str:
    """A search result's snippet on a line of its own ("" for anything else)."""
    if isinstance(item, ConversationHit) and item.snippet:
        return f"\n{plain_snippet(item.snippet)}"
    return ""
