"""One message in the chat: who, thinking summary, the markdown body, notices and actions."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QEnterEvent, QGuiApplication, QIcon, QPixmap, QResizeEvent
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

from desktop.core.catalog import ModelSpec
from desktop.core.conversation import Message, MessageStatus, Role
from desktop.core.formatting import countdown, usage_line
from desktop.core.images import facts_from_block, url_from_block
from desktop.core.notices import notice_for
from desktop.render.citations import answer_markdown
from desktop.ui.attachments.url_label import url_image_label
from desktop.ui.chat.message_actions import MessageActions, ModelChoices
from desktop.ui.chat.message_body import MessageBody
from desktop.ui.common.restyle import repolish

THUMB_SIZE = 96
EDGE_PX = 16  # a card's bottom edge: border and rounded corners (the theme's radius)


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
        self.body.setAccessibleName("Thinking summary")
        self.body.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.body)
        self._later: str | None = None

    def set_markdown_later(self, text: str) -> None:
        """Render `text` when the section is first opened (history: most never are)."""
        self._later = text

    def _on_toggle_toggled(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        if shown and self._later is not None:
            self.body.set_markdown(self._later)
            self._later = None
        self.body.setVisible(shown)

    def set_streaming(self, streaming: bool) -> None:
        self.toggle.setText("Thinking…" if streaming else "Thinking summary")


class MessageWidget(QFrame):
    """Shows a Message; streaming answers grow through append_text / append_thinking."""

    retry_requested = Signal(int)
    continue_requested = Signal()
    cancel_wait_requested = Signal()
    image_open_requested = Signal(str)  # sha256
    edit_requested = Signal(int, str)  # message id, the edited text
    regenerate_requested = Signal(int, str)  # answer id, model id ("" for the usual one)
    branch_requested = Signal(int)
    variant_requested = Signal(int)  # the sibling to show instead

    def __init__(
        self,
        message: Message,
        spec: ModelSpec | None,
        parent: QWidget | None = None,
        thumbnails: Callable[[str], bytes | None] | None = None,
        deferred: bool = False,
    ):
        """With `deferred`, the body starts empty and is filled by the caller (`begin_pieces`,
        `append_piece`: history shown a few pieces per frame, see chat_fill.py)."""
        super().__init__(parent)
        self.message = message
        self._spec = spec
        is_user = message.role is Role.USER
        self.setObjectName("user_message" if is_user else "assistant_message")
        self.setProperty("role", message.role.value)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        # Growing at the bottom repaints only the new strip; see resizeEvent for the width.
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(14, 10, 14, 10)
        self._layout.setSpacing(6)
        self._layout.addLayout(self._build_header(is_user))
        self.thinking: ThinkingSection | None = None
        self.image_buttons: dict[str, QToolButton] = {}
        if is_user:
            self._build_images(thumbnails)
        self.body = MessageBody(self)
        self.body.setObjectName("message_body")
        self.body.setAccessibleName("Your message" if is_user else "Claude's answer")
        self._layout.addWidget(self.body)
        # The wait and notice rows are built when first needed: most messages never show
        # them, and building them made sending (two new widgets) a long frame.
        self._wait_row: QWidget | None = None
        self._notice: QFrame | None = None
        self._wait_reason = ""
        self._wait_until = 0.0
        self._wait_counts = False  # a countdown to a retry (else the reason alone)
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(500)
        self._wait_timer.timeout.connect(self._on_wait_timer_timeout)
        self.footer = QLabel(self)
        self.footer.setObjectName("message_footer")
        self._layout.addWidget(self.footer)
        self._show_content(deferred)

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
        self._header_row = row  # Edit, Regenerate, Branch come on first hover: see tree_actions
        self._tree_actions: MessageActions | None = None
        self.model_choices: ModelChoices | None = None  # for "Regenerate with", set by the view
        self.copy_button = QToolButton(self)
        self.copy_button.setObjectName("copy_message_button")
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the whole message as markdown")
        self.copy_button.setAutoRaise(True)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        row.addWidget(self.copy_button)
        return row

    def _build_images(self, thumbnails: Callable[[str], bytes | None] | None) -> None:
        """Thumbnails of the images sent with this message; click one to see it full size."""
        images = [f for b in self.message.content if (f := facts_from_block(b)) is not None]
        urls = [u for b in self.message.content if (u := url_from_block(b)) is not None]
        if not images and not urls:
            return
        row = QHBoxLayout()
        row.setSpacing(6)
        for url in urls:
            row.addWidget(url_image_label(url, self))
        for facts in images:
            button = QToolButton(self)
            button.setObjectName("message_image")
            button.setToolTip(f"{facts.name or 'Image'} — {facts.width} × {facts.height} px")
            button.setAccessibleName(f"Image {facts.name}")
            button.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
            button.setFixedSize(THUMB_SIZE + 8, THUMB_SIZE + 8)
            button.setAutoRaise(True)
            sha = facts.sha256
            button.clicked.connect(
                lambda _checked=False, sha=sha: self.image_open_requested.emit(sha)
            )
            self.image_buttons[sha] = button
            row.addWidget(button)
            data = thumbnails(sha) if thumbnails is not None else None
            if data:
                self.set_thumbnail(sha, data)
        row.addStretch(1)
        self._layout.addLayout(row)

    def set_thumbnail(self, sha256: str, data: bytes) -> None:
        button = self.image_buttons.get(sha256)
        if button is not None:
            pixmap = QPixmap()
            pixmap.loadFromData(data)
            button.setIcon(QIcon(pixmap))

    @property
    def wait_row(self) -> QWidget:
        """The countdown row shown before an automatic retry (built on first use)."""
        if self._wait_row is None:
            self._wait_row = row = QWidget(self)
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            label = QLabel(row)
            label.setObjectName("wait_label")
            label.setWordWrap(True)
            cancel = QPushButton("Cancel", row)
            cancel.setObjectName("cancel_wait_button")
            cancel.clicked.connect(self.cancel_wait_requested)
            layout.addWidget(label, 1)
            layout.addWidget(cancel)
            row.setVisible(False)
            below = self._notice if self._notice is not None else self.footer
            self._layout.insertWidget(self._layout.indexOf(below), row)
        return self._wait_row

    @property
    def wait_label(self) -> QLabel:
        return self.wait_row.findChild(QLabel, "wait_label")  # type: ignore[return-value]

    @property
    def notice(self) -> QFrame:
        """The notice row: stopped, failed, cut off (built on first use)."""
        if self._notice is None:
            self._notice = notice = QFrame(self)
            notice.setObjectName("message_notice")
            row = QHBoxLayout(notice)
            row.setContentsMargins(10, 6, 10, 6)
            label = QLabel(notice)
            label.setObjectName("notice_label")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            retry = QPushButton("Retry", notice)
            retry.setObjectName("retry_button")
            retry.clicked.connect(self._on_retry_clicked)
            go_on = QPushButton("Continue", notice)
            go_on.setObjectName("continue_button")
            go_on.clicked.connect(self.continue_requested)
            row.addWidget(label, 1)
            row.addWidget(retry)
            row.addWidget(go_on)
            notice.setVisible(False)
            self._layout.insertWidget(self._layout.indexOf(self.footer), notice)
        return self._notice

    @property
    def notice_label(self) -> QLabel:
        return self.notice.findChild(QLabel, "notice_label")  # type: ignore[return-value]

    @property
    def retry_button(self) -> QPushButton:
        return self.notice.findChild(QPushButton, "retry_button")  # type: ignore[return-value]

    @property
    def continue_button(self) -> QPushButton:
        return self.notice.findChild(QPushButton, "continue_button")  # type: ignore[return-value]

    def _ensure_thinking(self) -> ThinkingSection:
        if self.thinking is None:
            self.thinking = ThinkingSection(self)
            self._layout.insertWidget(1, self.thinking)
        return self.thinking

    # -- content ------------------------------------------------------------------------------

    def _show_content(self, deferred: bool = False) -> None:
        message = self.message
        if deferred:  # never a streaming answer (see ChatFill)
            if message.thinking_text:
                self._ensure_thinking().set_markdown_later(message.thinking_text)
        elif message.role is Role.USER:
            self.body.set_plain_text(message.text)
        elif message.status is not MessageStatus.STREAMING:
            self.body.set_markdown(answer_markdown(message.content, message.text))
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
        if notice is None:
            if self._notice is not None:
                self._notice.setVisible(False)
        else:
            row = self.notice
            row.setVisible(True)
            row.setProperty("level", notice.level)
            repolish(row)
            self.notice_label.setText(notice.text)
            self.retry_button.setVisible(notice.can_retry)
            self.continue_button.setVisible(notice.can_continue)
        self.footer.setText(
            "" if message.role is Role.USER else usage_line(message.usage, self._spec)
        )
        self.footer.setVisible(bool(self.footer.text()))
        self.copy_button.setVisible(not streaming and bool(message.text))
        if self._tree_actions is not None:
            self._tree_actions.show_for(message)

    @property
    def tree_actions(self) -> MessageActions:
        """Edit or Regenerate, Branch and ‹ n/m ›: built on first use (the pointer over the
        message, or variants to show), so a page of history goes without ~90 buttons."""
        if self._tree_actions is None:
            self._tree_actions = actions = MessageActions(self.message, self)
            actions.models = self.model_choices
            actions.edit_clicked.connect(self.start_editing)
            actions.regenerate_requested.connect(self.regenerate_requested)
            actions.branch_requested.connect(self.branch_requested)
            actions.variant_requested.connect(self.variant_requested)
            self._header_row.insertWidget(self._header_row.indexOf(self.copy_button), actions)
            actions.show_for(self.message)
        return self._tree_actions

    def enterEvent(self, event: QEnterEvent) -> None:
        super().enterEvent(event)
        _ = self.tree_actions

    def start_editing(self) -> None:
        """Edit the message in place: Save & send asks for the edit, Cancel or Esc closes."""
        from desktop.ui.chat.message_editor import edit_in_place  # on first use

        edit_in_place(self.message, self.body, self.edit_requested.emit)

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
        """Show why the answer waits: with `seconds`, a countdown to an automatic retry;
        without, the reason alone (e.g. local tools starting). An empty reason hides it."""
        self._wait_reason = reason
        self._wait_until = time.monotonic() + seconds
        self._wait_counts = seconds > 0
        if not reason and self._wait_row is None:
            self._wait_timer.stop()
            return
        self.wait_row.setVisible(bool(reason))
        self._on_wait_timer_timeout()
        if reason and self._wait_counts:
            self._wait_timer.start()
        else:
            self._wait_timer.stop()

    def _on_wait_timer_timeout(self) -> None:
        if not self._wait_counts:
            self.wait_label.setText(self._wait_reason)
            return
        left = self._wait_until - time.monotonic()
        self.wait_label.setText(f"{self._wait_reason} Next try in {countdown(left)}.")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        old, new = event.oldSize(), event.size()
        if new.width() != old.width():
            self.update()  # static contents: the old right border must not stay behind
        elif new.height() > old.height() > 0:
            # Static contents repaint only the new strip: the old bottom edge (its border and
            # rounded corners) would stay behind as a seam in the middle of the card.
            self.update(0, old.height() - EDGE_PX, new.width(), EDGE_PX)

    def _on_retry_clicked(self) -> None:
        if self.message.id is not None:
            self.retry_requested.emit(self.message.id)

    def _on_copy_clicked(self) -> None:
        text = self.body.markdown_text() or self.message.text
        QGuiApplication.clipboard().setText(text)
