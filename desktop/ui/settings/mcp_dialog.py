"""Add or edit one MCP server: a name, and a command to run (stdio) or a URL (HTTP).

OK checks everything first; a problem is said under the form, the field at fault gets the
focus, and nothing typed is lost. `server_accepted` carries the new settings.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.local_tools import McpServerConfig, Transport
from desktop.core.mcp_edit import (
    join_arguments,
    name_hint,
    name_problem,
    pairs_problem,
    split_arguments,
    url_problem,
)
from desktop.ui.settings.key_values import KeyValueEditor

KEYRING_NOTE = "Values are kept in your system's keyring, not in the settings file."


class ServerDialog(QDialog):
    """Edits a copy of `server` (or a new one); `taken` are the other servers' names."""

    server_accepted = Signal(object)  # McpServerConfig

    def __init__(
        self, server: McpServerConfig | None, taken: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mcp_server_dialog")
        self.setWindowTitle("Edit MCP server" if server else "Add MCP server")
        self._original = server or McpServerConfig("")
        self._taken = taken
        self._build()
        self._show(self._original)

    def _build(self) -> None:
        self.name = self._line("mcp_name", "Name", "e.g. time")
        self.name.textChanged.connect(self._on_name_changed)
        self.name_note = QLabel(self)
        self.name_note.setObjectName("mcp_name_note")
        self.name_note.setProperty("tone", "muted")
        self.name_note.setWordWrap(True)
        self.stdio = QRadioButton("Run a command on this computer (stdio)", self)
        self.stdio.setObjectName("mcp_stdio_radio")
        self.http = QRadioButton("Connect to a URL (streamable HTTP)", self)
        self.http.setObjectName("mcp_http_radio")
        kinds = QButtonGroup(self)
        kinds.addButton(self.stdio)
        kinds.addButton(self.http)
        self.stdio.toggled.connect(self._on_stdio_toggled)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._stdio_page())
        self.pages.addWidget(self._http_page())
        self.problem = QLabel(self)
        self.problem.setObjectName("mcp_dialog_problem")
        self.problem.setProperty("tone", "error")
        self.problem.setWordWrap(True)
        self.problem.setVisible(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.setObjectName("mcp_dialog_buttons")
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("mcp_save_button")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("", self.name_note)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.stdio)
        column.addWidget(self.http)
        column.addWidget(self.pages, 1)
        column.addWidget(self.problem)
        column.addWidget(buttons)
        self.resize(520, 440)

    def _stdio_page(self) -> QWidget:
        page = QWidget(self)
        self.command = self._line("mcp_command", "Command", "e.g. uvx or npx", page)
        self.arguments = self._line("mcp_arguments", "Arguments", "e.g. mcp-server-time", page)
        self.arguments.setToolTip('Typed as on a command line: quote words with spaces ("…").')
        self.env = KeyValueEditor("variable", "NAME", page)
        self.env.setObjectName("mcp_env_editor")
        form = QFormLayout(page)
        form.setContentsMargins(0, 4, 0, 0)
        form.addRow("Command", self.command)
        form.addRow("Arguments", self.arguments)
        form.addRow("Environment", self.env)
        form.addRow("", self._note(page))
        return page

    def _http_page(self) -> QWidget:
        page = QWidget(self)
        self.url = self._line("mcp_url", "URL", "https://example.com/mcp", page)
        self.headers = KeyValueEditor("header", "Header-Name", page)
        self.headers.setObjectName("mcp_headers_editor")
        form = QFormLayout(page)
        form.setContentsMargins(0, 4, 0, 0)
        form.addRow("URL", self.url)
        form.addRow("Headers", self.headers)
        form.addRow("", self._note(page))
        return page

    def _line(
        self, name: str, spoken: str, placeholder: str, parent: QWidget | None = None
    ) -> QLineEdit:
        line = QLineEdit(parent or self)
        line.setObjectName(name)
        line.setAccessibleName(spoken)
        line.setPlaceholderText(placeholder)
        return line

    def _note(self, parent: QWidget) -> QLabel:
        note = QLabel(KEYRING_NOTE, parent)
        note.setProperty("tone", "muted")
        note.setWordWrap(True)
        return note

    def _show(self, server: McpServerConfig) -> None:
        self.name.setText(server.name)
        http = server.transport is not Transport.STDIO
        (self.http if http else self.stdio).setChecked(True)
        self._on_stdio_toggled(not http)
        self.command.setText(server.command)
        self.arguments.setText(join_arguments(server.args))
        self.env.set_pairs(server.env)
        self.url.setText(server.url)
        self.headers.set_pairs(server.headers)

    def _on_name_changed(self, text: str) -> None:
        hint = name_hint(text)
        self.name_note.setText(hint)
        self.name_note.setVisible(bool(hint))

    def _on_stdio_toggled(self, stdio: bool) -> None:
        self.pages.setCurrentIndex(0 if stdio else 1)

    def edited(self) -> tuple[McpServerConfig | None, str, QWidget | None]:
        """The server as typed, or None with the problem and the field to fix."""
        problem = name_problem(self.name.text(), self._taken)
        if problem:
            return None, problem, self.name
        if self.http.isChecked():
            return self._edited_http()
        return self._edited_stdio()

    def _edited_stdio(self) -> tuple[McpServerConfig | None, str, QWidget | None]:
        if not self.command.text().strip():
            return None, "Enter the command that starts the server.", self.command
        try:
            args = split_arguments(self.arguments.text())
        except ValueError as why:
            return None, str(why), self.arguments
        pairs = self.env.pairs()
        if problem := pairs_problem(pairs, "env"):
            return None, problem, None
        server = replace(
            self._original, name=self.name.text().strip(), transport=Transport.STDIO,
            command=self.command.text().strip(), args=args, env=dict(pairs), url="", headers={},
        )  # fmt: skip
        return server, "", None

    def _edited_http(self) -> tuple[McpServerConfig | None, str, QWidget | None]:
        if problem := url_problem(self.url.text()):
            return None, problem, self.url
        pairs = self.headers.pairs()
        if problem := pairs_problem(pairs, "headers"):
            return None, problem, None
        server = replace(
            self._original, name=self.name.text().strip(), transport=self._http_transport(),
            url=self.url.text().strip(), headers=dict(pairs), command="", args=[], env={},
        )  # fmt: skip
        return server, "", None

    def _http_transport(self) -> Transport:
        """An imported server on the older SSE transport keeps it; others speak streamable HTTP."""
        sse = self._original.transport is Transport.SSE
        return Transport.SSE if sse else Transport.HTTP

    def accept(self) -> None:
        server, problem, field = self.edited()
        if server is None:
            self.problem.setText(problem)
            self.problem.setVisible(True)
            if field is not None:
                field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.problem.setVisible(False)
        self.server_accepted.emit(server)
        super().accept()
