"""The settings panel's "Server tools" section: web search, web fetch, code execution and their
options (max uses, allowed or blocked domains, the searcher's approximate location)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from desktop.core.server_tools import LOCATION_FIELDS, ServerTools, parse_domains, problem

NO_LIMIT = "no limit"


class ToolsSection(QGroupBox):
    """Edits a `ServerTools`; `changed` after each edit (text fields when editing finishes)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Server tools", parent)
        self.setObjectName("tools_section")
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.web_search = self._check("Web search", "search")
        self.web_search.setToolTip("$10 per 1,000 searches (models.toml), plus the results' tokens")
        self.search_max = self._spin("search_max_uses")
        self.search_allowed = self._line("search_allowed", "only these domains")
        self.search_blocked = self._line("search_blocked", "never these domains")
        self.location = {k: self._line(f"location_{k}", k) for k in LOCATION_FIELDS}
        self.web_fetch = self._check("Web fetch", "fetch")
        self.web_fetch.setToolTip("No fee beyond the tokens of the fetched pages")
        self.fetch_max = self._spin("fetch_max_uses")
        self.fetch_allowed = self._line("fetch_allowed", "only these domains")
        self.fetch_blocked = self._line("fetch_blocked", "never these domains")
        self.code = self._check("Code execution", "code")
        self.note = QLabel(self)
        self.note.setObjectName("tools_note")
        self.note.setWordWrap(True)
        form.addRow(self.web_search)
        form.addRow("Max searches", self.search_max)
        form.addRow("Allowed", self.search_allowed)
        form.addRow("Blocked", self.search_blocked)
        for key, line in self.location.items():
            form.addRow(key.capitalize(), line)
        form.addRow(self.web_fetch)
        form.addRow("Max fetches", self.fetch_max)
        form.addRow("Allowed", self.fetch_allowed)
        form.addRow("Blocked", self.fetch_blocked)
        form.addRow(self.code)
        form.addRow(self.note)

    def _check(self, text: str, name: str) -> QCheckBox:
        box = QCheckBox(text, self)
        box.setObjectName(f"tool_{name}_checkbox")
        box.toggled.connect(self.changed)
        return box

    def _spin(self, name: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(0, 100)
        spin.setSpecialValueText(NO_LIMIT)
        spin.valueChanged.connect(self.changed)
        return spin

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        line = QLineEdit(self)
        line.setObjectName(name)
        line.setPlaceholderText(placeholder)
        line.editingFinished.connect(self.changed)
        return line

    def show_tools(self, tools: ServerTools) -> None:
        blocked = self.blockSignals(True)
        self.web_search.setChecked(tools.web_search)
        self.search_max.setValue(tools.search_max_uses)
        self.search_allowed.setText(", ".join(tools.search_allowed_domains))
        self.search_blocked.setText(", ".join(tools.search_blocked_domains))
        for key, line in self.location.items():
            line.setText(tools.search_location.get(key, ""))
        self.web_fetch.setChecked(tools.web_fetch)
        self.fetch_max.setValue(tools.fetch_max_uses)
        self.fetch_allowed.setText(", ".join(tools.fetch_allowed_domains))
        self.fetch_blocked.setText(", ".join(tools.fetch_blocked_domains))
        self.code.setChecked(tools.code_execution)
        self.note.setText(problem(tools) or "")
        self.blockSignals(blocked)

    def edited(self) -> ServerTools:
        tools = ServerTools(
            web_search=self.web_search.isChecked(),
            web_fetch=self.web_fetch.isChecked(),
            code_execution=self.code.isChecked(),
            search_max_uses=self.search_max.value(),
            search_allowed_domains=parse_domains(self.search_allowed.text()),
            search_blocked_domains=parse_domains(self.search_blocked.text()),
            search_location={
                k: line.text().strip() for k, line in self.location.items() if line.text().strip()
            },
            fetch_max_uses=self.fetch_max.value(),
            fetch_allowed_domains=parse_domains(self.fetch_allowed.text()),
            fetch_blocked_domains=parse_domains(self.fetch_blocked.text()),
        )
        self.note.setText(problem(tools) or "")
        return tools
