"""The composer as one rounded box: the text on top, and under it the attach buttons on the
left and a round Send button (an arrow) that turns into Stop (a square) on the right."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.palettes import Palette
from desktop.ui.chat.composer import Composer
from desktop.ui.common.enum_props import set_enum_property, set_shortcut
from desktop.ui.common.icons import icon
from desktop.ui.common.theme_state import current, theme_signals

ACTION_SIZE = 32  # px: the round Send / Stop button
ICON_SIZE = 18  # px


class ComposerFrame(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer_frame")
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 6, 6, 6)
        column.setSpacing(2)
        self.composer = Composer(self)
        column.addWidget(self.composer)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        column.addLayout(bar)
        self.attach_button = _tool_button(
            self, "attach_button", "Image…", "Attach images (or drop or paste them)"
        )
        self.attach_button.setAccessibleName("Attach image")
        self.add_document_button = _tool_button(
            self,
            "add_document_button",
            "Document…",
            "Add PDFs or text files to this conversation's context",
        )
        self.add_document_button.setAccessibleName("Add document")
        self.tools_bar = QHBoxLayout()  # more buttons (tool menus) go here
        bar.addWidget(self.attach_button)
        bar.addWidget(self.add_document_button)
        bar.addLayout(self.tools_bar)
        bar.addStretch(1)
        bar.addWidget(self._build_actions())
        self.show_icons(current())
        theme_signals().changed.connect(self.show_icons)

    def _build_actions(self) -> QStackedWidget:
        self.send_button = QPushButton(self)
        self.send_button.setObjectName("send_button")
        self.send_button.setAccessibleName("Send message")
        self.send_button.setToolTip("Send (Enter)")
        self.send_button.setDefault(False)
        self.stop_button = QPushButton(self)
        self.stop_button.setObjectName("stop_button")
        self.stop_button.setAccessibleName("Stop the answer")
        self.stop_button.setToolTip("Stop the answer (Esc)")
        set_shortcut(self.stop_button, "Esc")
        self.action_stack = QStackedWidget(self)
        for button in (self.send_button, self.stop_button):
            button.setFixedSize(ACTION_SIZE, ACTION_SIZE)
            button.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
            self.action_stack.addWidget(button)
        self.action_stack.setFixedSize(ACTION_SIZE, ACTION_SIZE)
        return self.action_stack

    def show_icons(self, palette: Palette) -> None:
        """The buttons' icons in `palette`'s colours (again on a theme change)."""
        self.send_button.setIcon(icon("send", palette.on_accent))
        self.stop_button.setIcon(icon("stop", palette.on_stop))
        self.attach_button.setIcon(icon("attach", palette.text_muted))


def _tool_button(parent: QWidget, name: str, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    set_enum_property(button, "toolButtonStyle", "ToolButtonTextBesideIcon")
    return button
