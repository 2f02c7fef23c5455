"""One MCP server in Settings › Tools: its name, what it runs, a switch, its status, its tools.

A row is updated in place when its server's status changes (`show_status`); it only asks
(signals) and never saves or starts anything itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.local_tools import LocalTool, McpServerConfig, ServerState, ServerStatus
from desktop.core.mcp_edit import status_text, summary
from desktop.ui.common.restyle import repolish
from desktop.ui.common.switch import Switch

TONES = {ServerState.FAILED: "error", ServerState.READY: "", ServerState.STARTING: "muted"}


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when narrow; the whole text is its tooltip."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(20)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self._full = " ".join(text.split())
        self.setToolTip(text if text else "")
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 20)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))


class ServerRow(QFrame):
    """Shows one server; asks for changes through its signals (by server name)."""

    enabled_toggled = Signal(str, bool)
    edit_requested = Signal(str)
    remove_requested = Signal(str)
    start_requested = Signal(str)
    allowed_toggled = Signal(str, str, bool)  # server, tool, allowed without asking

    def __init__(self, server: McpServerConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mcp_server_row")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.server = server
        self.status: ServerStatus | None = None
        self._tools: tuple[LocalTool, ...] | None = None
        self.allow_boxes: dict[str, QCheckBox] = {}
        self._build()
        self.show_server(server)

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.expander = QToolButton(self)
        self.expander.setObjectName("mcp_expander")
        self.expander.setCheckable(True)
        self.expander.setAutoRaise(True)
        self.expander.setArrowType(Qt.ArrowType.RightArrow)
        self.expander.toggled.connect(self._on_expander_toggled)
        self.name_label = ElidedLabel("", self)
        self.name_label.setObjectName("mcp_server_name")
        self.switch = Switch(self)
        self.switch.setObjectName("mcp_enabled_switch")
        self.switch.toggled.connect(self._on_switch_toggled)
        self.summary_label = ElidedLabel("", self)
        self.summary_label.setObjectName("mcp_server_summary")
        self.summary_label.setProperty("tone", "muted")
        self.status_label = QLabel(self)
        self.status_label.setObjectName("mcp_server_status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.setSpacing(4)
        top.addWidget(self.expander)
        top.addWidget(self.name_label, 1)
        top.addWidget(self.switch)
        self.failure = self._failure_box()
        self.details = self._details_box()
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 4, 6, 6)
        column.setSpacing(2)
        column.addLayout(top)
        column.addWidget(self.summary_label)
        column.addWidget(self.status_label)
        column.addWidget(self.failure)
        column.addWidget(self.details)

    def _failure_box(self) -> QWidget:
        box = QWidget(self)
        self.stderr_toggle = QPushButton("Show error output", box)
        self.stderr_toggle.setObjectName("mcp_stderr_toggle")
        self.stderr_toggle.setCheckable(True)
        self.stderr_toggle.toggled.connect(self._on_stderr_toggle_toggled)
        self.restart_button = QPushButton("Restart", box)
        self.restart_button.setObjectName("mcp_restart_button")
        self.restart_button.clicked.connect(lambda: self.start_requested.emit(self.server.name))
        self.stderr_view = QPlainTextEdit(box)
        self.stderr_view.setObjectName("mcp_stderr_view")
        self.stderr_view.setReadOnly(True)
        self.stderr_view.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.stderr_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.stderr_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.stderr_view.setMaximumHeight(140)
        self.stderr_view.setVisible(False)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.stderr_toggle)
        buttons.addWidget(self.restart_button)
        buttons.addStretch(1)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 2, 0, 0)
        column.addLayout(buttons)
        column.addWidget(self.stderr_view)
        box.setVisible(False)
        return box

    def _details_box(self) -> QWidget:
        box = QWidget(self)
        box.setObjectName("mcp_server_details")
        self.tools_grid = QGridLayout()
        self.tools_grid.setContentsMargins(0, 0, 0, 0)
        self.tools_grid.setHorizontalSpacing(6)
        self.tools_grid.setColumnStretch(0, 1)
        self.tools_note = QLabel(box)
        self.tools_note.setObjectName("mcp_tools_note")
        self.tools_note.setProperty("tone", "muted")
        self.tools_note.setWordWrap(True)
        self.start_button = QPushButton("Start now", box)
        self.start_button.setObjectName("mcp_start_button")
        self.start_button.clicked.connect(lambda: self.start_requested.emit(self.server.name))
        self.edit_button = QPushButton("Edit…", box)
        self.edit_button.setObjectName("mcp_edit_button")
        self.edit_button.clicked.connect(lambda: self.edit_requested.emit(self.server.name))
        self.remove_button = QPushButton("Remove…", box)
        self.remove_button.setObjectName("mcp_remove_button")
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self.server.name))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        column = QVBoxLayout(box)
        column.setContentsMargins(22, 4, 0, 0)
        column.addLayout(self.tools_grid)
        column.addWidget(self.tools_note)
        column.addLayout(buttons)
        box.setVisible(False)
        return box

    # -- showing ----------------------------------------------------------------------------

    def show_server(self, server: McpServerConfig) -> None:
        """New settings for this row's server (after an edit or a toggle)."""
        self.server = server
        name = server.name
        self.name_label.set_full_text(name)
        self.summary_label.set_full_text(summary(server))
        blocked = self.switch.blockSignals(True)
        self.switch.setChecked(server.enabled)
        self.switch.blockSignals(blocked)
        self.switch.setAccessibleName(f"Use {name}")
        self.switch.setToolTip(f"{'Turn off' if server.enabled else 'Turn on'} {name}")
        self.expander.setAccessibleName(f"Show tools and actions of {name}")
        self.stderr_toggle.setAccessibleName(f"Show error output of {name}")
        self.stderr_view.setAccessibleName(f"Error output of {name}")
        self.restart_button.setAccessibleName(f"Restart {name}")
        self.start_button.setAccessibleName(f"Start {name} now")
        self.edit_button.setAccessibleName(f"Edit {name}")
        self.remove_button.setAccessibleName(f"Remove {name}")
        for tool, box in self.allow_boxes.items():
            box.setChecked(tool in server.always_allowed)
        self.show_status(self.status)

    def show_status(self, status: ServerStatus | None) -> None:
        """The server's state as the host reports it; the tools list only if it changed."""
        self.status = status
        enabled = self.server.enabled
        state = status.state if status and enabled else None
        self.status_label.setText(
            ("● " if state is ServerState.READY else "") + status_text(status, enabled)
        )
        self._set_tone(self.status_label, TONES.get(state, "muted") if state else "muted")
        failed = state is ServerState.FAILED
        self.failure.setVisible(failed)
        tail = status.stderr_tail if status and failed else ""
        self.stderr_toggle.setVisible(bool(tail))
        if self.stderr_view.toPlainText() != tail:
            self.stderr_view.setPlainText(tail)
        if not tail:
            self.stderr_toggle.setChecked(False)
        self.start_button.setVisible(enabled and state in (None, ServerState.STOPPED))
        self.start_button.setText("Start now")
        tools = status.tools if status and state is ServerState.READY else ()
        if tools != self._tools:
            self._show_tools(tools)
        self._show_tools_note(state)

    def _show_tools_note(self, state: ServerState | None) -> None:
        if not self.server.enabled:
            note = "Turned off: Claude cannot use its tools."
        elif state is ServerState.READY:
            note = "" if self._tools else "This server offers no tools."
        elif state is ServerState.STARTING:
            note = "Starting; its tools appear here when it is ready."
        elif state is ServerState.FAILED:
            note = "It did not start, so its tools are not known."
        else:
            note = "It starts when a conversation needs it; its tools appear then."
        self.tools_note.setText(note)
        self.tools_note.setVisible(bool(note))

    def _show_tools(self, tools: tuple[LocalTool, ...]) -> None:
        self._tools = tools
        while self.tools_grid.count():
            item = self.tools_grid.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self.allow_boxes = {}
        for row, tool in enumerate(tools):
            self._add_tool(row, tool)

    def _add_tool(self, index: int, tool: LocalTool) -> None:
        """Name (and a read-only mark), what it does, and for a tool that may change something
        its "Allow without asking" box, each on a line of its own (the panel is narrow)."""
        row = index * 3
        name = ElidedLabel(tool.name, self.details)
        name.setObjectName("mcp_tool_name")
        name.setToolTip(f"{tool.name}\n\n{tool.description}" if tool.description else tool.name)
        self.tools_grid.addWidget(name, row, 0)
        if tool.read_only:
            mark = QLabel("read-only", self.details)
            mark.setObjectName("mcp_read_only_mark")
            mark.setProperty("tone", "muted")
            mark.setToolTip("It only reads, so it runs without asking.")
            self.tools_grid.addWidget(mark, row, 1, Qt.AlignmentFlag.AlignRight)
        if about := tool.title or tool.description:
            line = ElidedLabel(about, self.details)
            line.setObjectName("mcp_tool_about")
            line.setProperty("tone", "muted")
            line.setToolTip(tool.description or about)
            self.tools_grid.addWidget(line, row + 1, 0, 1, 2)
        if not tool.read_only:
            box = QCheckBox("Allow without asking", self.details)
            box.setObjectName("mcp_allow_checkbox")
            box.setAccessibleName(f"Allow {tool.name} without asking")
            box.setToolTip("Off: Claude Desk asks you before each call of this tool.")
            box.setChecked(tool.name in self.server.always_allowed)
            box.toggled.connect(
                lambda on, t=tool.name: self.allowed_toggled.emit(self.server.name, t, on)
            )
            self.allow_boxes[tool.name] = box
            self.tools_grid.addWidget(box, row + 2, 0, 1, 2)

    @staticmethod
    def _set_tone(label: QLabel, tone: str) -> None:
        if label.property("tone") != tone:
            label.setProperty("tone", tone)
            repolish(label)

    def _on_expander_toggled(self, shown: bool) -> None:
        self.expander.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.details.setVisible(shown)

    def _on_switch_toggled(self, on: bool) -> None:
        self.enabled_toggled.emit(self.server.name, on)

    def _on_stderr_toggle_toggled(self, shown: bool) -> None:
        self.stderr_view.setVisible(shown)
        self.stderr_toggle.setText("Hide error output" if shown else "Show error output")
        if shown:
            bar = self.stderr_view.verticalScrollBar()
            bar.setValue(bar.maximum())
