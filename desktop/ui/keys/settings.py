"""The API-key settings dialog: where the key comes from, a masked preview, Replace / Remove."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import DeskError
from desktop.core.ports import KeySource, SecretStore
from desktop.ui.keys.base import KeyDialog, paragraph
from desktop.ui.keys.entry import VerifyKey
from desktop.ui.keys.texts import SOURCE_TEXT, mask_key

REMOVE_QUESTION = (
    "Remove the API key from Claude Desk? You will need to paste a key again before you can chat."
)


class ApiKeySettingsDialog(KeyDialog):
    """Where the key comes from, a masked preview, and Replace / Remove."""

    key_changed = Signal(str)
    """The key the app should use now; "" when there is none."""

    def __init__(
        self, secret_store: SecretStore, verify: VerifyKey, parent: QWidget | None = None
    ) -> None:
        super().__init__(secret_store, "api_key_settings_dialog", "Claude API key", parent)
        self._shown_key = ""

        self.source_label = paragraph("", self)
        self.source_label.setObjectName("key_source_label")
        self.preview_label = QLabel(self)
        self.preview_label.setObjectName("key_preview")
        self.preview_label.setAccessibleName("Key preview")
        self.preview_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        self.replace_button = QPushButton("Replace key…", self)
        self.replace_button.setObjectName("replace_key_button")
        self.replace_button.setAutoDefault(False)
        self.replace_button.clicked.connect(self._on_replace_button_clicked)
        self.remove_button = QPushButton("Remove key", self)
        self.remove_button.setObjectName("remove_key_button")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)

        self._add_key_entry(verify, self._on_entry_key_stored)
        self.entry.setVisible(False)

        self.notice = paragraph("", self)
        self.notice.setObjectName("settings_status")
        self.notice.setVisible(False)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        actions = QHBoxLayout()
        actions.addWidget(self.replace_button)
        actions.addWidget(self.remove_button)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 12)
        layout.setSpacing(10)
        layout.addWidget(self._heading())
        layout.addWidget(self.source_label)
        layout.addWidget(self.preview_label)
        layout.addLayout(actions)
        layout.addWidget(self.keyring_warning)
        layout.addWidget(self.entry)
        layout.addWidget(self.notice)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Show the store's current key source and preview."""
        key, source = self._store.current()
        self._shown_key = key or ""
        self.source_label.setText(SOURCE_TEXT[source])
        self.preview_label.setText(mask_key(key) if key else "")
        self.preview_label.setVisible(bool(key))
        removable = source in (KeySource.KEYRING, KeySource.SESSION)
        self.remove_button.setEnabled(removable)
        self.remove_button.setToolTip(
            "Unset ANTHROPIC_API_KEY to stop using that key."
            if source is KeySource.ENVIRONMENT
            else ""
        )
        self.replace_button.setText("Add key…" if source is KeySource.NONE else "Replace key…")

    def _on_replace_button_clicked(self) -> None:
        self._show_keyring_problem(self._store.keyring_problem())
        self.notice.setVisible(False)
        self.entry.reset()
        self.entry.setVisible(True)
        self.replace_button.setEnabled(False)
        self.entry.input.setFocus()

    def _on_entry_key_stored(self, _key: str) -> None:
        self.entry.reset()
        self.entry.setVisible(False)
        self.keyring_warning.setVisible(False)
        self.replace_button.setEnabled(True)
        _, source = self._store.current()
        note = "Key saved."
        if source is KeySource.ENVIRONMENT:
            note += " ANTHROPIC_API_KEY still takes precedence while it is set."
        self._refresh_and_report(note)

    def _on_remove_button_clicked(self) -> None:
        """Ask first, without a nested event loop (`open`, not `exec`): the app's tasks go on
        while the question shows."""
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        box = QMessageBox(QMessageBox.Icon.Question, "Remove API key?", REMOVE_QUESTION, buttons)
        box.setParent(self, box.windowFlags())
        box.setObjectName("remove_key_question")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda _result: self._on_remove_answered(box.clickedButton() is yes))
        box.finished.connect(box.deleteLater)
        box.open()

    def _on_remove_answered(self, remove: bool) -> None:
        if not remove:
            return
        try:
            self._store.remove()
        except DeskError as error:
            self._show_notice(error.message)
            return
        self._refresh_and_report("Key removed.")

    def _refresh_and_report(self, note: str) -> None:
        """Show the store's key now and `note`; tell the app when the key changed."""
        before = self._shown_key
        self.refresh()
        self._show_notice(note)
        if self._shown_key != before:
            self.key_changed.emit(self._shown_key)

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(True)
