"""Asking for, checking and managing the Claude API key.

`ApiKeyEntry` is the shared check-then-save flow: a masked input, a "Check and save" button and a
status line. It verifies the key against the API first, then stores it in the OS keyring through
the `SecretStore` port, or — when there is no keyring — offers to use it for this session only, so
the key is never written to a file. `WelcomeDialog` wraps it for the first run;
`ApiKeySettingsDialog` shows where the current key comes from and lets a person replace or remove
it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import AuthFailed, DeskError, NoKeyringBackend, Offline, TimedOut
from desktop.core.ports import KeySource, SecretStore
from desktop.ui.common.restyle import repolish

log = logging.getLogger(__name__)

VerifyKey = Callable[[str], Awaitable[None]]
"""Checks a key against the API; raises `core.errors` kinds (AuthFailed, Offline, ...)."""

KEYS_URL = "https://console.anthropic.com/settings/keys"
KEYS_URL_TEXT = "console.anthropic.com/settings/keys"
MIN_KEY_LENGTH = 20
"""Real keys are ~100 characters; anything under this was cut off while copying."""

CHECKING = "Checking your key…"
REJECTED = "That key was rejected by the API. Check that you copied all of it."
UNREACHABLE = "Can't reach the Claude API — check your network connection, then try again."
NO_KEYRING_OFFER = (
    "Your key works, but it can't be stored securely on this computer. "
    "You can use it for this session only; it will not be written to disk."
)

SOURCE_TEXT = {
    KeySource.ENVIRONMENT: (
        "Using ANTHROPIC_API_KEY from the environment (it takes precedence over the keyring)."
    ),
    KeySource.KEYRING: "Stored in the system keyring (service claude-desk).",
    KeySource.SESSION: "Used for this session only — not saved.",
    KeySource.NONE: "No key",
}

_ENV_PREFIXES = ("export ANTHROPIC_API_KEY=", "ANTHROPIC_API_KEY=")


def normalize_key(text: str) -> str:
    """The key inside what a person pasted: surrounding whitespace, quotes and `VAR=` dropped."""
    key = text.strip()
    for prefix in _ENV_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :].strip()
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        key = key[1:-1].strip()
    return key


def key_format_problem(key: str) -> str | None:
    """Why `key` (already normalized) cannot be an API key, or None when it might be one."""
    if not key:
        return "Paste your API key into the box first."
    if any(ch.isspace() for ch in key):
        return "An API key has no spaces or line breaks. Paste just the key, on its own."
    if "…" in key or "..." in key:
        return (
            "That looks like a shortened preview of a key (it contains “…”). The console shows "
            "a key in full only once, when it is created — make a new key if you no longer have it."
        )
    if not key.isascii() or not key.isprintable():
        return "That contains characters an API key never has. Copy the key again, on its own."
    if len(key) < MIN_KEY_LENGTH:
        return "That is too short to be an API key. Check that you copied all of it."
    return None


def mask_key(key: str) -> str:
    """A preview that identifies a key without revealing it: first 7 + "…" + last 4 characters."""
    if len(key) >= 16:
        return f"{key[:7]}…{key[-4:]}"
    return f"…{key[-2:]}" if len(key) >= 8 else "…"


def _check_failure_text(error: BaseException) -> str:
    if isinstance(error, AuthFailed):
        return REJECTED
    if isinstance(error, Offline | TimedOut):
        return UNREACHABLE
    if isinstance(error, DeskError):
        return error.message
    return f"Couldn't check the key: {error}"


class ApiKeyEntry(QWidget):
    """Key input plus the check-then-save flow, shared by both dialogs.

    Emits `key_stored(key)` once the key was verified and stored (in the keyring, or for this
    session when the person chose that). When saving finds no usable keyring it emits
    `keyring_problem_found(text)` (what is wrong and how to fix it: the dialog shows it in its
    warning box) and offers the session-only choice under the key. The verify coroutine runs as an
    asyncio task owned by this widget; `cancel()` stops it (the dialogs call it when they close).
    """

    key_stored = Signal(str)
    keyring_problem_found = Signal(str)
    busy_changed = Signal(bool)

    def __init__(
        self, secret_store: SecretStore, verify: VerifyKey, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._store = secret_store
        self._verify = verify
        self._task: asyncio.Future[Any] | None = None
        self._verified_key: str | None = None
        self._build()

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        self.input = QLineEdit(self)
        self.input.setObjectName("api_key_input")
        self.input.setAccessibleName("Claude API key")
        self.input.setPlaceholderText("sk-ant-…")
        self.input.setEchoMode(QLineEdit.EchoMode.Password)
        self.input.setClearButtonEnabled(True)
        self.input.setMinimumWidth(360)
        self.input.textEdited.connect(self._on_input_edited)

        self.show_button = QToolButton(self)
        self.show_button.setObjectName("show_key_button")
        self.show_button.setCheckable(True)
        self.show_button.setText("Show")
        self.show_button.setAccessibleName("Show the key")
        self.show_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.show_button.toggled.connect(self._on_show_button_toggled)

        self.save_button = QPushButton("Check and save", self)
        self.save_button.setObjectName("save_key_button")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.start_check)

        self.status = QLabel(self)
        self.status.setObjectName("key_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAccessibleName("Key check status")

        self.session_button = QPushButton("Use this key for this session only", self)
        self.session_button.setObjectName("session_only_button")
        self.session_button.setAutoDefault(False)
        self.session_button.setVisible(False)
        self.session_button.clicked.connect(self._on_session_button_clicked)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.input, 1)
        row.addWidget(self.show_button)
        row.addWidget(self.save_button)

        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.session_button)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addLayout(actions)
        self._show_status("")

    # -- public ------------------------------------------------------------------------------

    def is_busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def start_check(self) -> None:
        """Validate the typed key, then verify it against the API in a background task."""
        if self.is_busy():
            return
        key = normalize_key(self.input.text())
        self._offer_session(None)
        problem = key_format_problem(key)
        if problem is not None:
            self._show_status(problem, error=True)
            self.input.setFocus()
            return
        self._set_busy(True)
        self._show_status(CHECKING)
        task = asyncio.ensure_future(self._verify(key))
        self._task = task
        task.add_done_callback(lambda done: self._on_check_finished(done, key))

    def cancel(self) -> None:
        """Stop a running check; its result will be ignored."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            self._set_busy(False)

    def reset(self) -> None:
        """Forget the typed key and any message (for reuse after a replace)."""
        self.cancel()
        self.input.clear()
        self.show_button.setChecked(False)
        self._offer_session(None)
        self._show_status("")

    # -- flow --------------------------------------------------------------------------------

    def _on_check_finished(self, task: asyncio.Future[Any], key: str) -> None:
        if task is not self._task:  # cancelled, or superseded: the widget may be gone
            return
        self._task = None
        if task.cancelled():
            self._set_busy(False)
            self._show_status("")
            return
        error = task.exception()
        if error is not None:
            if not isinstance(error, DeskError):
                log.error("checking the API key failed", exc_info=error)
            self._set_busy(False)
            self._show_status(_check_failure_text(error), error=True)
            self.input.setFocus()
            return
        self._store_verified(key)

    def _store_verified(self, key: str) -> None:
        # Always try: a keyring that could not be read at startup (locked) may work by now.
        try:
            self._store.save(key)
        except NoKeyringBackend as error:
            self.keyring_problem_found.emit(self._store.keyring_problem() or error.message)
            self._offer_session(key)
            return
        except DeskError as error:
            self._set_busy(False)
            self._show_status(error.message, error=True)
            return
        self._show_status("Key saved.")
        self.key_stored.emit(key)

    def _offer_session(self, key: str | None) -> None:
        """Show (key given) or withdraw the session-only choice for a verified key."""
        self._verified_key = key
        self.session_button.setVisible(key is not None)
        if key is None:
            return
        self._set_busy(False)
        self._show_status(NO_KEYRING_OFFER)
        self.session_button.setFocus()

    def _on_session_button_clicked(self) -> None:
        key = self._verified_key
        if key is None:
            return
        self._store.use_for_session(key)
        self._offer_session(None)
        self._show_status("Using this key for this session only.")
        self.key_stored.emit(key)

    def _on_input_edited(self, _text: str) -> None:
        # A different key has not been checked: withdraw the offer for the old one.
        if self._verified_key is not None:
            self._offer_session(None)
            self._show_status("")

    def _on_show_button_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.input.setEchoMode(mode)
        self.show_button.setText("Hide" if shown else "Show")
        self.show_button.setAccessibleName("Hide the key" if shown else "Show the key")

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.input, self.show_button, self.save_button):
            widget.setEnabled(not busy)
        self.busy_changed.emit(busy)

    def _show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self.status.setProperty("error", error)  # coloured by the theme's stylesheet
        repolish(self.status)


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.5)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def _paragraph(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label


def _warning(object_name: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setProperty("tone", "warning")  # a box in the theme's warning colours
    label.setVisible(False)
    return label


def _show_warning(label: QLabel, text: str | None) -> None:
    """Show `text` in a warning box made by `_warning`, or hide the box when there is none."""
    label.setText(text or "")
    label.setVisible(bool(text))


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


class WelcomeDialog(QDialog):
    """First run: explains what a key is, where to make one, and checks and stores it."""

    def __init__(
        self, secret_store: SecretStore, verify: VerifyKey, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("welcome_dialog")
        self.setWindowTitle("Welcome to Claude Desk")
        self._store = secret_store
        self._key: str | None = None

        link = QLabel(f'<a href="{KEYS_URL}">{KEYS_URL_TEXT}</a>', self)
        link.setObjectName("keys_link")
        link.setOpenExternalLinks(True)
        link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        link.setToolTip(KEYS_URL)

        self.keyring_warning = _warning("keyring_warning", self)
        _show_warning(self.keyring_warning, secret_store.keyring_problem())

        self.entry = ApiKeyEntry(secret_store, verify, self)
        self.entry.key_stored.connect(self._on_entry_key_stored)
        self.entry.keyring_problem_found.connect(self._on_entry_keyring_problem_found)

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
        layout.addWidget(_heading("Welcome to Claude Desk", self))
        layout.addWidget(
            _paragraph(
                "Claude Desk talks to Claude through the Claude API, using your own API key. "
                "Usage is billed to your Anthropic Console account. "
                "Create a key in the Console, then paste it here:",
                self,
            )
        )
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

    def _on_entry_keyring_problem_found(self, problem: str) -> None:
        _show_warning(self.keyring_warning, problem)

    def done(self, result: int) -> None:
        self.entry.cancel()
        super().done(result)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # a text changed: show all of it
            grow_to_fit(self)
        return handled


class ApiKeySettingsDialog(QDialog):
    """Where the key comes from, a masked preview, and Replace / Remove."""

    key_changed = Signal(str)
    """The key the app should use now; "" when there is none."""

    def __init__(
        self, secret_store: SecretStore, verify: VerifyKey, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("api_key_settings_dialog")
        self.setWindowTitle("Claude API key")
        self._store = secret_store
        self._shown_key = ""

        self.source_label = _paragraph("", self)
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

        self.keyring_warning = _warning("keyring_warning", self)
        self.entry = ApiKeyEntry(secret_store, verify, self)
        self.entry.setVisible(False)
        self.entry.key_stored.connect(self._on_entry_key_stored)
        self.entry.keyring_problem_found.connect(self._on_entry_keyring_problem_found)

        self.notice = _paragraph("", self)
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
        layout.addWidget(_heading("Claude API key", self))
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
        _show_warning(self.keyring_warning, self._store.keyring_problem())
        self.notice.setVisible(False)
        self.entry.reset()
        self.entry.setVisible(True)
        self.replace_button.setEnabled(False)
        self.entry.input.setFocus()

    def _on_entry_key_stored(self, _key: str) -> None:
        before = self._shown_key
        self.entry.reset()
        self.entry.setVisible(False)
        self.keyring_warning.setVisible(False)
        self.replace_button.setEnabled(True)
        self.refresh()
        _, source = self._store.current()
        note = "Key saved."
        if source is KeySource.ENVIRONMENT:
            note += " ANTHROPIC_API_KEY still takes precedence while it is set."
        self._show_notice(note)
        if self._shown_key != before:
            self.key_changed.emit(self._shown_key)

    def _on_entry_keyring_problem_found(self, problem: str) -> None:
        _show_warning(self.keyring_warning, problem)

    def _on_remove_button_clicked(self) -> None:
        answer = QMessageBox.question(
            self,
            "Remove API key?",
            "Remove the API key from Claude Desk? You will need to paste a key again before "
            "you can chat.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self._store.remove()
        except DeskError as error:
            self._show_notice(error.message)
            return
        before = self._shown_key
        self.refresh()
        self._show_notice("Key removed.")
        if self._shown_key != before:
            self.key_changed.emit(self._shown_key)

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(True)

    def done(self, result: int) -> None:
        self.entry.cancel()
        super().done(result)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # a text changed: show all of it
            grow_to_fit(self)
        return handled
