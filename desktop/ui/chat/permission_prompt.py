""" "Allow <tool>?" under the answer that wants to call a local tool that may change something.

The call waits until the user picks Allow once, Always for this tool, or Deny; stopping the
answer closes the prompt (and the call never runs).
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from desktop.core.local_tools import Permission

if TYPE_CHECKING:
    from desktop.ui.chat.local_tools import LocalToolAccess, PermissionRequest
    from desktop.ui.chat.message_widget import MessageWidget

ARGUMENTS_CHARS = 600


class PermissionPrompt(QFrame):
    """The question and its three answers, for one waiting call."""

    def __init__(
        self, request: PermissionRequest, access: LocalToolAccess, parent: MessageWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("permission_prompt")
        self.request = request
        self._access = access
        tool = request.tool
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        question = QLabel(self)
        question.setObjectName("permission_question")
        question.setWordWrap(True)
        name, server = html.escape(tool.title or tool.name), html.escape(tool.server)
        question.setText(
            f"Claude wants to use <b>{name}</b> from <b>{server}</b>. "
            "This tool may change things on your computer or elsewhere."
        )
        layout.addWidget(question)
        arguments = QLabel(self)
        arguments.setObjectName("permission_arguments")
        arguments.setWordWrap(True)
        arguments.setTextFormat(Qt.TextFormat.PlainText)
        arguments.setText(_arguments_text(request.arguments))
        arguments.setAccessibleName("Arguments of the tool call")
        layout.addWidget(arguments)
        buttons = QHBoxLayout()
        for text, name, choice in (
            ("Allow once", "allow_once_button", Permission.ONCE),
            ("Always allow this tool", "allow_always_button", Permission.ALWAYS),
            ("Deny", "deny_button", Permission.DENY),
        ):
            button = QPushButton(text, self)
            button.setObjectName(name)
            button.setAccessibleName(f"{text}: {tool.server} {tool.name}")
            button.clicked.connect(lambda _=False, c=choice: self._access.answer(request, c))
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        question.setAccessibleName(f"Allow {tool.name} from {tool.server}?")


def _arguments_text(arguments: dict[str, object]) -> str:
    text = json.dumps(arguments, indent=1, ensure_ascii=False) if arguments else "(no arguments)"
    if len(text) > ARGUMENTS_CHARS:
        text = text[:ARGUMENTS_CHARS] + f" … ({len(text) - ARGUMENTS_CHARS:,} more characters)"
    return text


def show_prompt(widget: MessageWidget, request: PermissionRequest, access: LocalToolAccess) -> None:
    """Add the prompt for `request` under the answer `widget` (above its notice and footer)."""
    prompt = PermissionPrompt(request, access, widget)
    layout = widget.layout()
    assert isinstance(layout, QBoxLayout)
    layout.insertWidget(layout.indexOf(widget.footer), prompt)


def close_prompt(widget: MessageWidget, request: PermissionRequest) -> None:
    for prompt in widget.findChildren(PermissionPrompt):
        if prompt.request is request:
            prompt.hide()
            prompt.deleteLater()
