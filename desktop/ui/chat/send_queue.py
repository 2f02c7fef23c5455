"""Enter never refuses: a message that cannot go yet waits in a bar above the composer.

It waits while the draft's images or the conversation's documents are being prepared, and
while an answer streams (one queued message: Enter again adds to it, Edit takes it back into
the composer). It is sent the moment nothing holds it: preparation done, the answer ended —
also after Stop, which ends the answer, not the queue. What would make it a different message
(an image or a document that could not be used, an answer that failed) gives it back to the
composer with the reason, so nothing typed is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.core.conversation import MessageStatus, Role
from desktop.ui.common.restyle import repolish

if TYPE_CHECKING:
    from desktop.core.conversation import Message
    from desktop.ui.chat.controller import ChatController

WAITING_FOR_FILES = "Sending when ready…"
WAITING_FOR_ANSWER = "Queued — sent when the answer ends."
ANSWER_FAILED = "The answer failed, so your queued message was not sent; it is back here."
NOT_SENT = "Your message could not be sent; it is back here."
PREVIEW_CHARS = 120


def joined(first: str, second: str) -> str:
    """Two messages as one, a blank line between (either may be empty: images only)."""
    first, second = first.strip("\n"), second.strip("\n")
    return f"{first}\n\n{second}" if first.strip() and second.strip() else first + second


class SendQueue(QObject):
    """At most one message waiting to be sent by `controller` (`text` is None: none)."""

    changed = Signal()  # queued, sent, taken back, or waiting for something else now
    sent = Signal()  # the message went out (now or later)
    returned = Signal(str, str)  # the text back for the composer, why ("": asked for)

    def __init__(self, controller: ChatController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._c = controller
        self.text: str | None = None
        self._answer_failed = False
        self._refusal = ""
        controller.busy_changed.connect(self._on_holder_changed)
        controller.message_updated.connect(self._on_controller_message_updated)
        controller.send_refused.connect(self._on_controller_send_refused)
        for files in (controller.attachments, controller.documents):
            if files is not None:
                files.changed.connect(self._on_holder_changed)
                files.failed.connect(self._on_files_failed)

    @property
    def waiting_for_answer(self) -> bool:
        return self._c.is_streaming

    @property
    def waiting_for_files(self) -> bool:
        images, documents = self._c.attachments, self._c.documents
        return bool(images and images.preparing) or bool(documents and documents.preparing)

    def submit(self, text: str) -> bool:
        """Send `text` now, or queue it (joined to the one already queued) when it has to
        wait. False when it was neither (the controller says why through `send_refused`)."""
        if self.text is not None:
            self.text = joined(self.text, text)
        elif self.waiting_for_answer or self.waiting_for_files:
            self.text, self._answer_failed = text, False
        else:
            if not self._c.send(text):
                return False
            self.sent.emit()
            return True
        self.changed.emit()
        return True

    def take_back(self) -> None:
        """Edit or Cancel: the queued text goes back to the composer, unsent."""
        self._give_back("")

    def _give_back(self, reason: str) -> None:
        text, self.text = self.text, None
        if text is None:
            return
        self.changed.emit()
        self.returned.emit(text, reason)

    def _on_holder_changed(self, *_args: object) -> None:
        if self.text is not None:
            self.changed.emit()
            # After the current signal: a failure reported right after it (an image that
            # could not be used) or a retry started by it comes first.
            QTimer.singleShot(0, self._try_send)

    def _try_send(self) -> None:
        if self.text is None or self.waiting_for_answer or self.waiting_for_files:
            return
        if self._answer_failed:
            self._give_back(ANSWER_FAILED)
            return
        text, self.text, self._refusal = self.text, None, ""
        if self._c.send(text):
            self.changed.emit()
            self.sent.emit()
        else:
            self.text = text
            self._give_back(self._refusal or NOT_SENT)

    def _on_controller_message_updated(self, message: Message) -> None:
        failed = message.role is Role.ASSISTANT and message.status is MessageStatus.FAILED
        if self.text is not None and failed:
            self._answer_failed = True

    def _on_controller_send_refused(self, reason: str) -> None:
        self._refusal = reason

    def _on_files_failed(self, reason: str) -> None:
        if self.text is not None:
            self._give_back(f"{reason} Your message was not sent; it is back here.")


class SendQueueBar(QFrame):
    """Above the composer: the queued message with Cancel or Edit, or why it came back."""

    def __init__(self, queue: SendQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("send_queue_bar")
        self.setAccessibleName("Message waiting to be sent")
        self.queue = queue
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 6, 4)
        self.label = QLabel(self)
        self.label.setObjectName("send_queue_label")
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        self.cancel_button = self._button("queue_cancel_button", "Cancel", queue.take_back)
        self.cancel_button.setToolTip("Don't send it: put the text back into the composer")
        self.edit_button = self._button("queue_edit_button", "Edit", queue.take_back)
        self.edit_button.setToolTip("Put it back into the composer; Enter queues it again")
        self.dismiss_button = self._button("queue_dismiss_button", "Dismiss", self.hide)
        row.addWidget(self.cancel_button)
        row.addWidget(self.edit_button)
        row.addWidget(self.dismiss_button)
        queue.changed.connect(self._on_queue_changed)
        queue.returned.connect(self._on_queue_returned)
        queue.sent.connect(self.hide)
        self.setVisible(False)

    def _button(self, name: str, text: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _on_queue_changed(self) -> None:
        text = self.queue.text
        if text is None:  # sent or given back (`returned` follows with any reason)
            self.setVisible(False)
            return
        answer = self.queue.waiting_for_answer
        preview = " ".join(text.split())
        if len(preview) > PREVIEW_CHARS:
            preview = preview[: PREVIEW_CHARS - 1] + "…"
        state = WAITING_FOR_ANSWER if answer else WAITING_FOR_FILES
        self._show(f"{state}  “{preview}”" if preview else f"{state}  (images only)", False)
        self.cancel_button.setVisible(not answer)
        self.edit_button.setVisible(answer)

    def _on_queue_returned(self, _text: str, reason: str) -> None:
        if reason:
            self._show(reason, True)
        else:
            self.setVisible(False)

    def _show(self, text: str, problem: bool) -> None:
        self.label.setText(text)
        self.setProperty("problem", problem)
        repolish(self)
        self.dismiss_button.setVisible(problem)
        if problem:
            self.cancel_button.setVisible(False)
            self.edit_button.setVisible(False)
        self.setVisible(True)
