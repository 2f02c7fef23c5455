"""`KeyDialog`: what the welcome and the API-key settings dialogs share.

Both show a heading (the window title), a warning box for keyring problems and an `ApiKeyEntry`;
both cancel a running key check when they close and grow to show all of their wrapped texts.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from desktop.core.ports import SecretStore
from desktop.ui.keys.entry import ApiKeyEntry, VerifyKey


def paragraph(text: str, parent: QWidget) -> QLabel:
    """A label whose text wraps."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label


def grow_to_fit(window: QWidget) -> None:
    """Make `window` tall enough for its wrapped texts at its width (Qt sizes a top-level
    window from size hints, which ignore how tall a wrapped label gets: texts were cut)."""
    layout = window.layout()
    if layout is None:
        return
    needed = layout.totalHeightForWidth(window.width()) if layout.hasHeightForWidth() else -1
    needed = max(needed, layout.totalMinimumSize().height())
    if needed > window.height():
        window.resize(window.width(), needed)


class KeyDialog(QDialog):
    """A dialog around an `ApiKeyEntry`; subclasses say what a stored key means to them.

    Subclasses build their widgets and call `_add_key_entry` where the keyring warning and the
    entry belong in the tab order, giving what to do once a key is stored.
    """

    keyring_warning: QLabel
    entry: ApiKeyEntry

    def __init__(
        self, secret_store: SecretStore, object_name: str, title: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWindowTitle(title)
        self._store = secret_store

    def _heading(self) -> QLabel:
        """The window title, large and bold, to head the dialog."""
        text = self.windowTitle()
        label = QLabel(text, self)
        font = QFont(label.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        label.setFont(font)
        label.setAccessibleName(text)
        return label

    def _add_key_entry(self, verify: VerifyKey, stored: Callable[[str], None]) -> None:
        """Create the (hidden) keyring warning box and the key entry, wired to this dialog;
        `stored` runs with the key once it has been checked and saved."""
        self.keyring_warning = QLabel(self)
        self.keyring_warning.setObjectName("keyring_warning")
        self.keyring_warning.setWordWrap(True)
        self.keyring_warning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.keyring_warning.setProperty("tone", "warning")  # the theme's warning box
        self.keyring_warning.setVisible(False)
        self.entry = ApiKeyEntry(self._store, verify, self)
        self.entry.key_stored.connect(stored)
        self.entry.keyring_problem_found.connect(self._show_keyring_problem)

    def _show_keyring_problem(self, problem: str | None) -> None:
        """Show what is wrong with the keyring, or hide the warning box when nothing is."""
        self.keyring_warning.setText(problem or "")
        self.keyring_warning.setVisible(bool(problem))

    def done(self, result: int) -> None:
        self.entry.cancel()
        super().done(result)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # a text changed: show all of it
            grow_to_fit(self)
        return handled
