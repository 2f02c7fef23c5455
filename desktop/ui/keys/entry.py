"""The key input and its check-then-save flow, shared by both key dialogs.

A masked input, a "Check and save" button and a status line. The key is verified against the API
first, then stored in the OS keyring through the `SecretStore` port, or — when there is no
keyring — offered for this session only, so the key is never written to a file.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import DeskError, NoKeyringBackend
from desktop.core.ports import SecretStore
from desktop.ui.common.restyle import repolish
from desktop.ui.keys.texts import (
    CHECKING,
    NO_KEYRING_OFFER,
    check_failure_text,
    key_format_problem,
    normalize_key,
)

log = logging.getLogger(__name__)

VerifyKey = Callable[[str], Awaitable[None]]
"""Checks a key against the API; raises `core.errors` kinds (AuthFailed, Offline, ...)."""


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
            self._show_status(check_failure_text(error), error=True)
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
