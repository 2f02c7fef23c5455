"""Under the conversation: attached images, the composer, Send / Stop and the live estimate.

The row follows the chat controller itself: it keeps each conversation's unsent draft, turns
Send into Stop while an answer streams, attaches dropped, pasted and picked images, and hands
other files (PDFs, text) on through `documents_received` to whoever keeps documents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.attachments.image_input import PASTED_NAME, pixels_loader, split_images
from desktop.ui.attachments.strip import AttachmentStrip
from desktop.ui.chat.composer_frame import ComposerFrame
from desktop.ui.chat.send_queue import SendQueue, SendQueueBar, joined
from desktop.ui.chat.token_estimate import TokenEstimator
from desktop.ui.chat.tools_menu import ToolsButton
from desktop.ui.common.enum_props import set_enum_property

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

    from desktop.core.conversation import Conversation
    from desktop.ui.chat.controller import ChatController

IMAGE_FILTER = (
    "Images (*.png *.jpg *.jpeg *.gif *.webp *.bmp *.tif *.tiff *.heic *.avif *.ico);;All files (*)"
)


class ComposerRow(QWidget):
    documents_received = Signal(object)  # paths of dropped or picked files that are not images
    # (object: a list signal would make QStrings of them, losing non-UTF-8 name bytes)
    status_message = Signal(str)  # a passing notice for the window's status bar

    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer_row")
        self.controller = controller
        self._drafts: dict[int | None, str] = {}  # unsent text per conversation (None: new)
        self._draft_owner: int | None = None
        self.send_queue = SendQueue(controller, self)  # Enter never refuses (send_queue.py)
        self._build()
        self.estimator = TokenEstimator(controller, self)
        self._connect()

    def _build(self) -> None:
        c = self.controller
        column = self._column = QVBoxLayout(self)
        column.setContentsMargins(16, 8, 16, 12)
        column.setSpacing(0)
        self.send_queue_bar = SendQueueBar(self.send_queue, self)
        column.addWidget(self.send_queue_bar)
        self.attachment_strip: AttachmentStrip | None = None
        if c.attachments is not None:
            self.attachment_strip = AttachmentStrip(c.attachments, self)
            column.addWidget(self.attachment_strip)
        frame = self.frame = ComposerFrame(self)
        self.composer, self.action_stack = frame.composer, frame.action_stack
        self.attach_button, self.add_document_button = (
            frame.attach_button,
            frame.add_document_button,
        )
        self.send_button, self.stop_button = frame.send_button, frame.stop_button
        self.attach_button.setVisible(c.attachments is not None)
        self.add_document_button.setVisible(c.documents is not None)
        self.tools_button = ToolsButton(c, frame)  # web search, fetch, code (tools_menu.py)
        frame.tools_bar.addWidget(self.tools_button)
        column.addWidget(frame)
        self.token_estimate = QLabel(self)
        self.token_estimate.setObjectName("token_estimate")
        self.token_estimate.setAccessibleName("Estimated input tokens and price")
        set_enum_property(self.token_estimate, "alignment", "AlignRight|AlignVCenter")
        column.addWidget(self.token_estimate)

    def add_above(self, widget: QWidget) -> None:
        """A bar above the attachments and the composer (e.g. an offer about a paste)."""
        self._column.insertWidget(0, widget)

    def _connect(self) -> None:
        c = self.controller
        self.estimator.estimate_changed.connect(self._on_estimator_estimate_changed)
        self.composer.textChanged.connect(self.draft_changed)
        c.conversation_opened.connect(lambda *_: self.estimator.history_changed())
        c.message_updated.connect(lambda _message: self.estimator.history_changed())
        c.settings_changed.connect(lambda _settings: self.draft_changed())
        c.conversation_opened.connect(self._on_controller_conversation_opened)
        c.busy_changed.connect(self._on_controller_busy_changed)
        self.composer.submitted.connect(self._on_composer_submitted)
        self.send_queue.sent.connect(self._on_send_queue_sent)
        self.send_queue.returned.connect(self._on_send_queue_returned)
        self.send_button.clicked.connect(self.composer.submit)
        self.stop_button.clicked.connect(c.stop)
        self.composer.files_received.connect(self.attach_files)
        if c.attachments is None:
            return
        c.attachments.changed.connect(self.draft_changed)
        c.attachments.changed.connect(self._on_attachments_changed)
        c.attachments.failed.connect(self.status_message)
        c.send_refused.connect(self._on_controller_send_refused)
        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        self.composer.image_received.connect(self.attach_image)
        self.composer.urls_received.connect(self.attach_urls)

    # -- drafts and sending -----------------------------------------------------------------

    def draft_changed(self) -> None:
        """The text, the images or the documents changed: estimate again."""
        self.estimator.draft_changed(self.composer.toPlainText())

    def _on_estimator_estimate_changed(self, label: str, tooltip: str) -> None:
        self.token_estimate.setText(label)
        self.token_estimate.setToolTip(tooltip)

    def _on_controller_conversation_opened(
        self, conversation: Conversation | None, *_: object
    ) -> None:
        self.send_queue.take_back()  # a queued message stays with its own conversation's draft
        self._swap_draft(conversation.id if conversation else None)
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
        if not busy:  # Enter while busy queues the next message (send_queue.py)
            self.focus_composer()

    def _on_composer_submitted(self, text: str) -> None:
        if self.send_queue.submit(text):  # sent, or waiting in the bar above
            self.composer.clear()

    def _on_send_queue_sent(self) -> None:
        conversation = self.controller.conversation
        self._draft_owner = conversation.id if conversation else None
        if self.attachment_strip is not None:
            self.attachment_strip.show_message("")

    def _on_send_queue_returned(self, text: str, reason: str) -> None:
        """Edit, Cancel, or it could not be sent: the text is the composer's again."""
        self.composer.setPlainText(joined(text, self.composer.toPlainText()))
        from PySide6.QtGui import QTextCursor

        self.composer.moveCursor(QTextCursor.MoveOperation.End)
        if reason:
            self.status_message.emit(reason)
        self.focus_composer()

    def focus_composer(self) -> None:
        """Give the composer focus now and again after the current click has been handled."""
        self.composer.setFocus()  # Qt.FocusReason.OtherFocusReason
        QTimer.singleShot(0, self.composer, self.composer.setFocus)  # dropped if it is gone

    # -- images -----------------------------------------------------------------------------

    def attach_files(self, paths: list[str]) -> None:
        """Images join the message; other files (PDFs, text) go on to the documents."""
        images, documents = split_images(paths)
        if documents:
            self.documents_received.emit(documents)
        attachments = self.controller.attachments
        if attachments is not None and images:
            if self.attachment_strip is not None:
                self.attachment_strip.show_message("")
            attachments.add_files(images)
        self.focus_composer()

    def attach_image(self, image: QImage) -> None:
        attachments = self.controller.attachments
        if attachments is not None:
            attachments.add_data(PASTED_NAME, pixels_loader(image))
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

    def _on_controller_send_refused(self, message: str) -> None:
        if self.attachment_strip is not None:
            self.attachment_strip.show_message(message)
        self.status_message.emit(message)
