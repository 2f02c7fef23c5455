"""The first-run dialog: what a key is, where to make one, then check and store it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop.core.ports import SecretStore
from desktop.ui.keys.base import KeyDialog, paragraph
from desktop.ui.keys.entry import VerifyKey
from desktop.ui.keys.texts import KEYS_URL, KEYS_URL_TEXT

INTRO = (
    "Claude Desk talks to Claude through the Claude API, using your own API key. "
    "Usage is billed to your Anthropic Console account. "
    "Create a key in the Console, then paste it here:"
)


class WelcomeDialog(KeyDialog):
    """First run: explains what a key is, where to make one, and checks and stores it."""

    def __init__(
        self, secret_store: SecretStore, verify: VerifyKey, parent: QWidget | None = None
    ) -> None:
        super().__init__(secret_store, "welcome_dialog", "Welcome to Claude Desk", parent)
        self._key: str | None = None

        link = QLabel(f'<a href="{KEYS_URL}">{KEYS_URL_TEXT}</a>', self)
        link.setObjectName("keys_link")
        link.setOpenExternalLinks(True)
        link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        link.setToolTip(KEYS_URL)

        self._add_key_entry(verify, self._on_entry_key_stored)
        self._show_keyring_problem(secret_store.keyring_problem())

        buttons = QDialogButtonBox(self)
        self.quit_button = buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setObjectName("quit_button")
        self.quit_button.setToolTip(
            "Look around without a key; add one later in Settings › API key…"
        )
        self.quit_button.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(self._heading())
        layout.addWidget(paragraph(INTRO, self))
        layout.addWidget(link)
        layout.addWidget(self.keyring_warning)
        layout.addSpacing(6)
        layout.addWidget(self.entry)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.entry.input.setFocus()

    def api_key(self) -> str | None:
        """The key that was checked and stored, once the dialog was accepted."""
        return self._key

    def _on_entry_key_stored(self, key: str) -> None:
        self._key = key
        self.accept()
