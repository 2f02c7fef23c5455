"""A NAME = value table for a server's environment variables or HTTP headers.

Values may be tokens: they are masked like passwords until "Show values" is ticked. Pasting
`NAME=value` into a name field splits it into both fields.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class KeyValueEditor(QWidget):
    """Rows of (name, value); `what` names one row in words ("variable", "header")."""

    def __init__(self, what: str, name_hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self._name_hint = name_hint
        self._rows: list[tuple[QLineEdit, QLineEdit, QToolButton]] = []
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(0, 2)
        self.grid.setColumnStretch(1, 3)
        self.add_button = QPushButton(f"Add {what}", self)
        self.add_button.setObjectName(f"add_{what}_button")
        self.add_button.setAccessibleName(f"Add {what}")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.show_values = QCheckBox("Show values", self)
        self.show_values.setObjectName(f"show_{what}_values")
        self.show_values.setAccessibleName(f"Show {what} values")
        self.show_values.toggled.connect(self._on_show_values_toggled)
        self.empty = QLabel(f"No {what}s.", self)
        self.empty.setProperty("tone", "muted")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.show_values)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.empty)
        column.addLayout(self.grid)
        column.addLayout(buttons)

    def set_pairs(self, pairs: dict[str, str]) -> None:
        for name, value in pairs.items():
            self.add_row(name, value)

    def pairs(self) -> list[tuple[str, str]]:
        """Every row as typed (names stripped; `NAME=value` typed as a name is split); rows
        left wholly empty are left out."""
        found = [_split(n.text(), v.text()) for n, v, _ in self._rows]
        return [(n, v) for n, v in found if n or v]

    def name_fields(self) -> list[QLineEdit]:
        return [n for n, _, _ in self._rows]

    def value_fields(self) -> list[QLineEdit]:
        return [v for _, v, _ in self._rows]

    def add_row(self, name: str = "", value: str = "") -> QLineEdit:
        number = len(self._rows) + 1
        name_edit = QLineEdit(name, self)
        name_edit.setPlaceholderText(self._name_hint)
        name_edit.setAccessibleName(f"{self.what.capitalize()} {number} name")
        value_edit = QLineEdit(value, self)
        name_edit.editingFinished.connect(lambda: self._split_pasted(name_edit, value_edit))
        value_edit.setPlaceholderText("value")
        value_edit.setAccessibleName(f"{self.what.capitalize()} {number} value")
        value_edit.setEchoMode(self._echo())
        remove = QToolButton(self)
        remove.setText("✕")
        remove.setAutoRaise(True)
        remove.setAccessibleName(f"Remove {self.what} {number}")
        remove.setToolTip(f"Remove this {self.what}")
        remove.clicked.connect(lambda: self._remove(name_edit))
        row = len(self._rows)
        self.grid.addWidget(name_edit, row, 0)
        self.grid.addWidget(value_edit, row, 1)
        self.grid.addWidget(remove, row, 2)
        self._rows.append((name_edit, value_edit, remove))
        self.empty.setVisible(False)
        return name_edit

    def _on_add_button_clicked(self) -> None:
        self.add_row().setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_show_values_toggled(self, _shown: bool) -> None:
        for _, value, _ in self._rows:
            value.setEchoMode(self._echo())

    def _echo(self) -> QLineEdit.EchoMode:
        shown = self.show_values.isChecked()
        return QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password

    @staticmethod
    def _split_pasted(name: QLineEdit, value: QLineEdit) -> None:
        if "=" in name.text() and not value.text():
            key, rest = _split(name.text(), "")
            name.setText(key)
            value.setText(rest)

    def _remove(self, name_edit: QLineEdit) -> None:
        pairs = [(n.text(), v.text()) for n, v, _ in self._rows if n is not name_edit]
        for widgets in self._rows:
            for widget in widgets:
                self.grid.removeWidget(widget)
                widget.deleteLater()
        self._rows = []
        for name, value in pairs:
            self.add_row(name, value)
        self.empty.setVisible(not self._rows)


def _split(name: str, value: str) -> tuple[str, str]:
    if "=" in name and not value:
        key, _, rest = name.partition("=")
        return key.strip(), rest
    return name.strip(), value
