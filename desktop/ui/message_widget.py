"""One message in the chat: who, thinking summary, the markdown body, notices and actions."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conversation import Message, MessageStatus, Role
from desktop.ui.formatting import countdown, usage_line
from desktop.ui.message_body import MessageBody
from desktop.ui.notices import notice_for


class ThinkingSection(QWidget):
    """A collapsible "Thinking" section above the answer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thinking_section")
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("thinking_toggle")
        self.toggle.setText("Thinking")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self.body = MessageBody(self)
        self.body.setObjectName("thinking_body")
        self.body.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.body)

    def _on_toggle_toggled(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.body.setVisible(shown)

    def set_streaming(self, streaming: bool) -> None:
        self.toggle.setText("Thinking…" if streaming else "Thinking summary")


class MessageWidget(QFrame):
    """Shows a Message; streaming answers grow through append_text / append_thinking."""

    retry_requested = Signal(int)
    continue_requested = Signal()
    cancel_wait_requested = Signal()

    def __init__(self, message: Message, model_name: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.message = message
        self._model_name = model_name
        is_user = message.role is Role.USER
        self.setObjectName("user_message" if is_user else "assistant_message")
        self.setProperty("role", message.role.value)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(14, 10, 14, 10)
        self._layout.setSpacing(6)
        self._layout.addLayout(self._build_header(is_user))
        self.thinking: ThinkingSection | None = None
        self.body = MessageBody(self)
        self.body.setObjectName("message_body")
        self._layout.addWidget(self.body)
        self._build_wait_row()
        self._build_notice_row()
        self.footer = QLabel(self)
        self.footer.setObjectName("message_footer")
        self._layout.addWidget(self.footer)
        self._show_content()

    # -- building ---------------------------------------------------------------------------

    def _build_header(self, is_user: bool) -> QHBoxLayout:
        row = QHBoxLayout()
        who = QLabel("You" if is_user else "Claude", self)
        who.setObjectName("message_author")
        row.addWidget(who)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("message_status")
        row.addWidget(self.status_label)
        row.addStretch(1)
        self.copy_button = QToolButton(self)
        self.copy_button.setObjectName("copy_message_button")
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the whole message as markdown")
        self.copy_button.setAutoRaise(True)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        row.addWidget(self.copy_button)
        return row

    def _build_wait_row(self) -> None:
        self.wait_row = QWidget(self)
        row = QHBoxLayout(self.wait_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.wait_label = QLabel(self.wait_row)
        self.wait_label.setObjectName("wait_label")
        self.wait_label.setWordWrap(True)
        cancel = QPushButton("Cancel", self.wait_row)
        cancel.setObjectName("cancel_wait_button")
        cancel.clicked.connect(self.cancel_wait_requested)
        row.addWidget(self.wait_label, 1)
        row.addWidget(cancel)
        self.wait_row.setVisible(False)
        self._wait_reason = ""
        self._wait_until = 0.0
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(500)
        self._wait_timer.timeout.connect(self._on_wait_timer_timeout)
        self._layout.addWidget(self.wait_row)

    def _build_notice_row(self) -> None:
        self.notice = QFrame(self)
        self.notice.setObjectName("message_notice")
        row = QHBoxLayout(self.notice)
        row.setContentsMargins(10, 6, 10, 6)
        self.notice_label = QLabel(self.notice)
        self.notice_label.setObjectName("notice_label")
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Retry", self.notice)
        self.retry_button.setObjectName("retry_button")
        self.retry_button.clicked.connect(self._on_retry_clicked)
        self.continue_button = QPushButton("Continue", self.notice)
        self.continue_button.setObjectName("continue_button")
        self.continue_button.clicked.connect(self.continue_requested)
        row.addWidget(self.notice_label, 1)
        row.addWidget(self.retry_button)
        row.addWidget(self.continue_button)
        self._layout.addWidget(self.notice)

    def _ensure_thinking(self) -> ThinkingSection:
        if self.thinking is None:
            self.thinking = ThinkingSection(self)
            self._layout.insertWidget(1, self.thinking)
        return self.thinking

    # -- content ------------------------------------------------------------------------------

    def _show_content(self) -> None:
        message = self.message
        if message.role is Role.USER:
            self.body.set_plain_text(message.text)
        elif message.status is not MessageStatus.STREAMING:
            self.body.set_markdown(message.text)
            if message.thinking_text:
                self._ensure_thinking().body.set_markdown(message.thinking_text)
        if message.status is MessageStatus.STREAMING and message.thinking_text:
            self._ensure_thinking().body.set_markdown(message.thinking_text)
        self._refresh_chrome()

    def _refresh_chrome(self) -> None:
        message = self.message
        streaming = message.status is MessageStatus.STREAMING
        has_text = bool(message.text) or bool(self.body.markdown_text())
        self.body.setVisible(has_text or message.role is Role.USER)
        self.status_label.setText("writing…" if streaming else "")
        if self.thinking is not None:
            self.thinking.set_streaming(streaming and not message.text)
        notice = notice_for(message)
        self.notice.setVisible(notice is not None)
        if notice is not None:
            self.notice.setProperty("level", notice.level)
            self.notice.style().unpolish(self.notice)
            self.notice.style().polish(self.notice)
            self.notice_label.setText(notice.text)
            self.retry_button.setVisible(notice.can_retry)
            self.continue_button.setVisible(notice.can_continue)
        self.footer.setText(
            "" if message.role is Role.USER else usage_line(message.usage, self._model_name)
        )
        self.footer.setVisible(bool(self.footer.text()))
        self.copy_button.setVisible(not streaming and bool(message.text))

    def append_text(self, text: str) -> None:
        if not self.body.isVisible():
            self.body.setVisible(True)
        if self.thinking is not None:
            self.thinking.set_streaming(False)
        self.body.append_text(text)

    def append_thinking(self, text: str) -> None:
        section = self._ensure_thinking()
        section.set_streaming(True)
        section.body.append_text(text)

    def update_message(self, message: Message) -> None:
        """The answer ended (or changed status): settle the body and show notices."""
        self.message = message
        self.show_wait("", 0.0)
        if self.body.streaming:
            self.body.finish()
        if self.thinking is not None and self.thinking.body.streaming:
            self.thinking.body.finish()
        self._refresh_chrome()

    def show_wait(self, reason: str, seconds: float) -> None:
        """Show a visible countdown before an automatic retry; empty reason hides it."""
        self._wait_reason = reason
        self._wait_until = time.monotonic() + seconds
        self.wait_row.setVisible(bool(reason))
        if reason:
            self._on_wait_timer_timeout()
            self._wait_timer.start()
        else:
            self._wait_timer.stop()

    def _on_wait_timer_timeout(self) -> None:
        left = self._wait_until - time.monotonic()
        self.wait_label.setText(f"{self._wait_reason} Next try in {countdown(left)}.")

    def _on_retry_clicked(self) -> None:
        if self.message.id is not None:
            self.retry_requested.emit(self.message.id)

    def _on_copy_clicked(self) -> None:
        text = self.body.markdown_text() or self.message.text
        QGuiApplication.clipboard().setText(text)
