"""The conversation: a scrolling column of MessageWidgets, kept at the bottom while streaming."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.catalog import Catalog
from desktop.core.conversation import Message
from desktop.ui.attachments.image_input import carries_images, pasted_image
from desktop.ui.chat.message_cursor import MessageCursor, leave_tab_chain
from desktop.ui.chat.scroll_keeper import ScrollKeeper
from desktop.ui.chat.tool_blocks import settle_answer
from desktop.ui.common.drops import local_files, set_drop_highlight
from desktop.ui.common.enum_props import set_enum_property

if TYPE_CHECKING:
    from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent

    from desktop.core.tree import Variants
    from desktop.ui.chat.fill import ChatFill
    from desktop.ui.chat.message_widget import MessageWidget

EMPTY_TEXT = "Ask Claude anything.\nDrop in a question, some code, or a long text to work on."


class ChatView(QScrollArea):
    retry_requested = Signal(int)
    continue_requested = Signal()
    cancel_wait_requested = Signal()
    load_earlier_requested = Signal()
    files_dropped = Signal(object)  # local paths dropped anywhere on the conversation (a list
    # signal would pass them as QStrings, losing the surrogate escapes of non-UTF-8 names)
    image_dropped = Signal(object)  # QImage
    image_open_requested = Signal(str)  # sha256 of a sent image to show full size
    edit_requested = Signal(int, str)  # a user message's id, its edited text
    regenerate_requested = Signal(int, str)  # an answer's id, a model id ("" for the usual)
    branch_requested = Signal(int)  # Branch from here on a message
    variant_requested = Signal(int)  # show this sibling's branch instead
    filled = Signal()  # every message of the shown pages is in, its text laid out

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chat_view")
        self.setAccessibleName("Conversation")
        self.catalog = catalog
        self.thumbnails: Callable[[str], bytes | None] | None = None  # set by the window
        self.setAcceptDrops(True)
        # Our own viewport: asking Qt for its own one (`viewport()`) makes PySide look up the
        # Python type of every QtWidgets class (~40 enum types, ~6 ms of the first paint).
        viewport = QWidget(self)
        viewport.setAcceptDrops(True)
        self.setViewport(viewport)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        set_enum_property(self, "horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self._content = QWidget(viewport)
        self._content.setObjectName("chat_content")
        # Opaque (and north-west static from the first message on, see _insert): a growing
        # answer repaints the strips that changed, not the whole column under it.
        self._content.setAutoFillBackground(True)
        self._static = False
        self._column = QVBoxLayout(self._content)
        self._column.setContentsMargins(24, 16, 24, 16)
        self._column.setSpacing(12)
        self.earlier_button = QPushButton("Show earlier messages", self._content)
        self.earlier_button.setObjectName("load_earlier_button")
        self.earlier_button.clicked.connect(self.load_earlier_requested)
        centred = QHBoxLayout()  # centred by stretches: no `Qt` alignment (see enum_props)
        centred.addStretch(1)
        centred.addWidget(self.earlier_button)
        centred.addStretch(1)
        self._column.addLayout(centred)
        self.empty_label = QLabel(EMPTY_TEXT, self._content)
        self.empty_label.setObjectName("empty_chat_label")
        set_enum_property(self.empty_label, "alignment", "AlignCenter")
        self._column.addWidget(self.empty_label, 1)
        self._column.addStretch(0)
        self.setWidget(self._content)
        self._widgets: dict[int, MessageWidget] = {}
        self._variants: dict[int, Variants] = {}  # of shown messages that have siblings
        self._fill: ChatFill | None = None  # made on first use (it loads markdown-it)
        self._scroll = ScrollKeeper(self, self._content, self._column, self.empty_label)
        self.message_cursor = MessageCursor(self, self.message_widgets)
        self.show_messages([], has_earlier=False)

    # -- whole conversation -------------------------------------------------------------------

    def show_messages(self, messages: list[Message], has_earlier: bool) -> None:
        """Show a conversation's page: the newest message first, the older ones above it over
        the next loop turns (see chat_fill.py); what was shown before goes at once."""
        old = list(self._widgets.values())
        self._widgets.clear()
        self._variants.clear()
        if self._fill is not None:
            self._fill.cancel()
        if old or messages:
            for widget in old:
                self._column.removeWidget(widget)
            fill = self._filler()
            fill.discard(old)
            fill.add(messages)
        self._scroll.pin_scrollbar(bool(messages))
        self.earlier_button.setVisible(has_earlier)
        self._scroll.follow = True
        self._update_empty()

    def prepend_messages(self, messages: list[Message], has_earlier: bool) -> None:
        """Show an earlier page above the messages shown; what is in view stays in place."""
        self._scroll.anchor_top()
        self._filler().add(messages)
        self._scroll.pin_scrollbar(bool(messages))
        self.earlier_button.setVisible(has_earlier)

    @property
    def filling(self) -> bool:
        """Whether messages of the page (or an earlier one) are still being put in."""
        return self._fill is not None and self._fill.busy

    # -- single messages -------------------------------------------------------------------------

    def add_message(self, message: Message) -> None:
        self._scroll.follow = True
        self._insert(message, self._column.count() - 1)
        self._update_empty()

    def update_message(self, message: Message) -> None:
        widget = self._widgets.get(message.id or -1)
        if widget is not None:
            widget.update_message(message)
            settle_answer(widget, cited_again=True)
            leave_tab_chain(widget)  # notices with buttons may have come
        elif self._fill is not None:
            self._fill.replace(message)

    def remove_message(self, message_id: int) -> None:
        widget = self._widgets.pop(message_id, None)
        if widget is not None:
            widget.deleteLater()
        if self._fill is not None:
            self._fill.drop(message_id)
        self._update_empty()

    def append_text(self, message_id: int, text: str) -> None:
        widget = self._widgets.get(message_id)
        if widget is not None:
            widget.append_text(text)

    def append_thinking(self, message_id: int, text: str) -> None:
        widget = self._widgets.get(message_id)
        if widget is not None:
            widget.append_thinking(text)

    def show_wait(self, message_id: int, reason: str, seconds: float) -> None:
        widget = self._widgets.get(message_id)
        if widget is not None:
            widget.show_wait(reason, seconds)

    def show_stall(self, message_id: int, seconds: float) -> None:
        from desktop.ui.chat.stall_row import show_stall  # on the first stall

        widget = self._widgets.get(message_id)
        if widget is not None:
            show_stall(widget, seconds)

    def show_tool_block(self, message_id: int, block: dict[str, Any]) -> None:
        from desktop.ui.chat.tool_blocks import show_tool_block

        widget = self._widgets.get(message_id)
        if widget is not None:
            show_tool_block(widget, block)

    def show_thumbnail(self, sha256: str, data: bytes) -> None:
        for widget in self._widgets.values():
            widget.set_thumbnail(sha256, data)

    def set_variants(self, variants: dict[int, Variants]) -> None:
        """Messages' places among their siblings (‹ 2/3 ›), also for those still to come."""
        self._variants.update(variants)
        for message_id, where in variants.items():
            if (widget := self._widgets.get(message_id)) is not None:
                widget.tree_actions.set_variants(where)

    def message_widget(self, message_id: int) -> MessageWidget | None:
        return self._widgets.get(message_id)

    def message_widgets(self) -> list[MessageWidget]:
        """The messages shown, top to bottom."""
        return sorted(self._widgets.values(), key=self._column.indexOf)

    # -- drops ----------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if carries_images(event.mimeData()):
            set_drop_highlight(self, True)
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if carries_images(event.mimeData()):
            event.acceptProposedAction()

    def dragLeaveEvent(self, _event: QDragLeaveEvent) -> None:
        set_drop_highlight(self, False)

    def dropEvent(self, event: QDropEvent) -> None:
        set_drop_highlight(self, False)
        mime = event.mimeData()
        files = local_files(mime)
        image = None if files else pasted_image(mime)
        if files:
            self.files_dropped.emit(files)
        elif image is not None:
            self.image_dropped.emit(image)
        else:
            return
        event.acceptProposedAction()

    # -- internals ---------------------------------------------------------------------------------

    def _filler(self) -> ChatFill:
        if self._fill is None:
            # Imported on first use: markdown-it and pygments stay off the first-paint path.
            from desktop.ui.chat.fill import ChatFill

            self._fill = ChatFill(self._on_fill_build, self._scroll.fill_turn, self)
            self._fill.done.connect(self._on_fill_done)
        return self._fill

    def _on_fill_done(self) -> None:
        self._scroll.pin_scrollbar(False)
        self._update_empty()
        self.filled.emit()

    def _on_fill_build(self, message: Message, deferred: bool) -> MessageWidget:
        """A message of a page: at the top, above the newer ones already shown."""
        widget = self._insert(message, 1, deferred)
        widget.show()
        self._column.activate()  # its body gets its final width before any text is laid out
        self._update_empty()
        return widget

    def _insert(self, message: Message, index: int, deferred: bool = False) -> MessageWidget:
        # Imported on first use: markdown-it and pygments stay off the first-paint path.
        from desktop.ui.chat.message_widget import MessageWidget

        if not self._static:  # set here, not before the first paint (see enum_props)
            from PySide6.QtCore import Qt

            self._content.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
            self._static = True
        spec = self.catalog.get(message.model) if message.model else None
        widget = MessageWidget(
            message, spec, self._content, thumbnails=self.thumbnails, deferred=deferred
        )
        widget.image_open_requested.connect(self.image_open_requested)
        widget.retry_requested.connect(self.retry_requested)
        widget.continue_requested.connect(self.continue_requested)
        widget.cancel_wait_requested.connect(self.cancel_wait_requested)
        widget.edit_requested.connect(self.edit_requested)
        widget.regenerate_requested.connect(self.regenerate_requested)
        widget.branch_requested.connect(self.branch_requested)
        widget.variant_requested.connect(self.variant_requested)
        widget.model_choices = lambda: [(m.id, m.label) for m in self.catalog]
        settle_answer(widget, cited_again=False)
        if message.id in self._variants:
            widget.tree_actions.set_variants(self._variants[message.id])
        leave_tab_chain(widget)
        self._column.insertWidget(index, widget)
        if message.id is not None:
            self._widgets[message.id] = widget
        return widget

    def _update_empty(self) -> None:
        self.empty_label.setVisible(not self._widgets and not self.filling)
