"""The welcome and API-key settings dialogs, driven as a person would (pytest-qt, offscreen)."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QMessageBox, QPushButton

from desktop.core.errors import AuthFailed, NoKeyringBackend, Offline, TimedOut
from desktop.core.ports import KeySource
from desktop.storage.secrets import SERVICE, USERNAME
from desktop.ui.keys.settings import ApiKeySettingsDialog
from desktop.ui.keys.texts import (
    NO_KEYRING_OFFER,
    REJECTED,
    UNREACHABLE,
    key_format_problem,
    mask_key,
    normalize_key,
)
from desktop.ui.keys.welcome import WelcomeDialog
from tests.gui.conftest import run_until
from tests.gui.dialogs import child, clipped, status_text

GOOD_KEY = "sk-ant-api03-" + "GoodKey_" * 10 + "-abcdAA"
OTHER_KEY = "sk-ant-api03-" + "OtherKey" * 10 + "-wxyzAA"
NO_KEYRING = "No keyring backend found. Install gnome-keyring or KWallet, then restart."

HAVE_REAL_STORE = importlib.util.find_spec("desktop.storage.secrets") is not None


# -- fakes ----------------------------------------------------------------------------------------


class FakeSecretStore:
    """An in-memory SecretStore; `problem` set means there is no keyring backend."""

    def __init__(self, problem: str | None = None, env_key: str | None = None) -> None:
        self.problem = problem
        self.env_key = env_key
        self.saved: str | None = None
        self.session: str | None = None

    def current(self) -> tuple[str | None, KeySource]:
        if self.env_key:
            return self.env_key, KeySource.ENVIRONMENT
        if self.saved:
            return self.saved, KeySource.KEYRING
        if self.session:
            return self.session, KeySource.SESSION
        return None, KeySource.NONE

    def save(self, api_key: str) -> None:
        if self.problem is not None:
            raise NoKeyringBackend(self.problem)
        self.saved = api_key

    def remove(self) -> None:
        self.saved = None
        self.session = None

    def use_for_session(self, api_key: str) -> None:
        self.session = api_key

    def keyring_problem(self) -> str | None:
        return self.problem


class FakeVerify:
    """Stands in for ChatBackend.verify_key: accepts `good` keys, or raises `error`."""

    def __init__(self, good: set[str] | None = None, error: Exception | None = None) -> None:
        self.good = {GOOD_KEY} if good is None else good
        self.error = error
        self.calls: list[str] = []
        self.hang = False

    async def __call__(self, api_key: str) -> None:
        self.calls.append(api_key)
        if self.hang:  # waits from its first step, inside the running loop (a timer could
            await asyncio.Event().wait()  # fire later, outside it, while a click is handled)
        await asyncio.sleep(0.01)
        if self.error is not None:
            raise self.error
        if api_key not in self.good:
            raise AuthFailed("invalid x-api-key")


class Stored:
    """The store under test plus a way to read what it wrote to the keyring."""

    def __init__(self, store: Any, read: Callable[[], str | None]) -> None:
        self.store = store
        self.read = read


@pytest.fixture
def stored(request: pytest.FixtureRequest) -> Stored:
    """The real KeyringSecretStore on an in-memory keyring, or a fake until it exists."""
    if not HAVE_REAL_STORE:
        fake = FakeSecretStore()
        return Stored(fake, lambda: fake.saved)
    from desktop.storage.secrets import KeyringSecretStore

    keyring = request.getfixturevalue("memory_keyring")
    return Stored(KeyringSecretStore(), lambda: keyring.store.get((SERVICE, USERNAME)))


# -- helpers --------------------------------------------------------------------------------------


def welcome(qtbot: Any, store: Any, verify: FakeVerify) -> WelcomeDialog:
    dialog = WelcomeDialog(store, verify)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def enter_key(qtbot: Any, dialog: QDialog, text: str) -> None:
    key_input = child(dialog, QLineEdit, "api_key_input")
    key_input.clear()
    if text.isascii():
        qtbot.keyClicks(key_input, text)
    else:  # QTest cannot type characters outside Latin-1: paste them, as a person would
        key_input.insert(text)
    qtbot.mouseClick(child(dialog, QPushButton, "save_key_button"), Qt.MouseButton.LeftButton)


def all_label_text(dialog: QDialog) -> str:
    return "\n".join(label.text() for label in dialog.findChildren(QLabel))


# -- pure helpers ---------------------------------------------------------------------------------


def test_mask_key_never_shows_the_whole_key() -> None:
    assert mask_key(GOOD_KEY) == "sk-ant-…cdAA"
    assert mask_key("short-key-12") == "…12"
    assert mask_key("abc") == "…"


def test_normalize_key_drops_what_people_paste_around_keys() -> None:
    assert normalize_key(f"  {GOOD_KEY}\n") == GOOD_KEY
    assert normalize_key(f'"{GOOD_KEY}"') == GOOD_KEY
    assert normalize_key(f"export ANTHROPIC_API_KEY='{GOOD_KEY}'") == GOOD_KEY


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Paste your API key"),
        ("sk-ant-api03 abc def ghi jkl mno", "no spaces"),
        ("sk-ant-…abcd", "shortened preview"),
        ("sk-ant-api03-ключ-ключ-ключ", "characters an API key never has"),
        ("sk-ant-api03-x", "too short"),
    ],
)
def test_key_format_problem_explains_malformed_keys(text: str, words: str) -> None:
    problem = key_format_problem(text)
    assert problem is not None
    assert words in problem
    assert key_format_problem(GOOD_KEY) is None


# -- welcome dialog -------------------------------------------------------------------------------


def test_good_key_is_checked_saved_and_accepted(qtbot: Any, aloop: Any, stored: Stored) -> None:
    verify = FakeVerify()
    dialog = welcome(qtbot, stored.store, verify)
    key_input = child(dialog, QLineEdit, "api_key_input")
    assert key_input.echoMode() == QLineEdit.EchoMode.Password
    assert "console.anthropic.com/settings/keys" in all_label_text(dialog)

    enter_key(qtbot, dialog, f"  {GOOD_KEY} ")
    assert status_text(dialog) == "Checking your key…"
    assert not key_input.isEnabled()
    assert not child(dialog, QPushButton, "save_key_button").isEnabled()

    run_until(aloop, lambda: not dialog.isVisible())
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert verify.calls == [GOOD_KEY]
    assert stored.read() == GOOD_KEY
    assert dialog.api_key() == GOOD_KEY
    assert stored.store.current() == (GOOD_KEY, KeySource.KEYRING)


def test_bad_key_is_rejected_and_nothing_saved(qtbot: Any, aloop: Any, stored: Stored) -> None:
    verify = FakeVerify()
    dialog = welcome(qtbot, stored.store, verify)

    enter_key(qtbot, dialog, OTHER_KEY)
    run_until(aloop, lambda: status_text(dialog) != "Checking your key…")

    assert status_text(dialog) == REJECTED
    assert dialog.isVisible()
    assert stored.read() is None
    assert dialog.api_key() is None
    assert child(dialog, QLineEdit, "api_key_input").isEnabled()
    assert not child(dialog, QPushButton, "session_only_button").isVisible()


@pytest.mark.parametrize("error", [Offline("connection refused"), TimedOut("timed out")])
def test_network_down_says_so(qtbot: Any, aloop: Any, stored: Stored, error: Exception) -> None:
    verify = FakeVerify(error=error)
    dialog = welcome(qtbot, stored.store, verify)

    enter_key(qtbot, dialog, GOOD_KEY)
    run_until(aloop, lambda: status_text(dialog) != "Checking your key…")

    assert status_text(dialog) == UNREACHABLE
    assert stored.read() is None
    assert child(dialog, QPushButton, "save_key_button").isEnabled()


def test_other_api_errors_show_their_own_message(qtbot: Any, aloop: Any, stored: Stored) -> None:
    from desktop.core.errors import PermissionDenied

    error = PermissionDenied("This key's organization is disabled.")
    dialog = welcome(qtbot, stored.store, FakeVerify(error=error))

    enter_key(qtbot, dialog, GOOD_KEY)
    run_until(aloop, lambda: status_text(dialog) != "Checking your key…")

    assert status_text(dialog) == "This key's organization is disabled."


@pytest.mark.parametrize("text", ["", "   ", "sk-ant abc", "sk-ant-…abcd"])
def test_empty_or_malformed_input_needs_no_network(
    qtbot: Any, aloop: Any, stored: Stored, text: str
) -> None:
    verify = FakeVerify()
    dialog = welcome(qtbot, stored.store, verify)

    enter_key(qtbot, dialog, text)
    run_until(aloop, lambda: True)

    assert status_text(dialog) == key_format_problem(normalize_key(text))
    assert verify.calls == []
    assert dialog.isVisible()
    assert child(dialog, QLineEdit, "api_key_input").isEnabled()


def test_no_keyring_warns_up_front_and_offers_session_only(qtbot: Any, aloop: Any) -> None:
    store = FakeSecretStore(problem=NO_KEYRING)
    verify = FakeVerify()
    dialog = welcome(qtbot, store, verify)
    warning = child(dialog, QLabel, "keyring_warning")
    session_button = child(dialog, QPushButton, "session_only_button")
    assert warning.isVisible()
    assert warning.text() == NO_KEYRING
    assert not session_button.isVisible()

    enter_key(qtbot, dialog, GOOD_KEY)
    run_until(aloop, session_button.isVisible)
    assert status_text(dialog) == NO_KEYRING_OFFER  # the problem is not said twice
    assert warning.isVisible() and warning.text() == NO_KEYRING
    assert dialog.isVisible()

    qtbot.mouseClick(session_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.api_key() == GOOD_KEY
    assert store.session == GOOD_KEY
    assert store.saved is None
    assert store.current() == (GOOD_KEY, KeySource.SESSION)


def test_save_failing_for_want_of_a_keyring_offers_session_only(qtbot: Any, aloop: Any) -> None:
    class LateProblemStore(FakeSecretStore):
        """keyring_problem() finds nothing at first; save() then finds there is no backend."""

        def __init__(self) -> None:
            super().__init__()
            self.checked = False

        def keyring_problem(self) -> str | None:
            return NO_KEYRING if self.checked else None

        def save(self, api_key: str) -> None:
            self.checked = True
            raise NoKeyringBackend(NO_KEYRING)

    store = LateProblemStore()
    dialog = welcome(qtbot, store, FakeVerify())
    assert not child(dialog, QLabel, "keyring_warning").isVisible()
    session_button = child(dialog, QPushButton, "session_only_button")

    enter_key(qtbot, dialog, GOOD_KEY)
    run_until(aloop, session_button.isVisible)
    assert status_text(dialog) == NO_KEYRING_OFFER
    warning = child(dialog, QLabel, "keyring_warning")  # found late: shown in the box now
    assert not warning.isHidden() and warning.text() == NO_KEYRING
    run_until(aloop, lambda: not clipped(dialog))  # the dialog grew to show the box

    # Editing the key withdraws the offer: the new text has not been checked.
    qtbot.keyClicks(child(dialog, QLineEdit, "api_key_input"), "x")
    assert not session_button.isVisible()


def test_show_toggle_reveals_and_hides_the_key(qtbot: Any, aloop: Any, stored: Stored) -> None:
    dialog = welcome(qtbot, stored.store, FakeVerify())
    key_input = child(dialog, QLineEdit, "api_key_input")
    toggle = dialog.entry.show_button

    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert key_input.echoMode() == QLineEdit.EchoMode.Normal
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert key_input.echoMode() == QLineEdit.EchoMode.Password


def test_closing_cancels_the_check(qtbot: Any, aloop: Any, stored: Stored) -> None:
    verify = FakeVerify()
    verify.hang = True
    dialog = welcome(qtbot, stored.store, verify)

    enter_key(qtbot, dialog, GOOD_KEY)
    run_until(aloop, lambda: bool(verify.calls))
    task = dialog.entry._task
    assert task is not None
    qtbot.mouseClick(child(dialog, QPushButton, "quit_button"), Qt.MouseButton.LeftButton)

    run_until(aloop, task.done)
    assert task.cancelled()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert stored.read() is None


# -- settings dialog ------------------------------------------------------------------------------


def settings(qtbot: Any, store: Any, verify: FakeVerify | None = None) -> ApiKeySettingsDialog:
    dialog = ApiKeySettingsDialog(store, verify or FakeVerify())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_settings_show_environment_source_and_masked_key(
    qtbot: Any, aloop: Any, stored: Stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", GOOD_KEY)
    if isinstance(stored.store, FakeSecretStore):
        stored.store.env_key = GOOD_KEY
    dialog = settings(qtbot, stored.store)

    assert child(dialog, QLabel, "key_source_label").text() == (
        "Using ANTHROPIC_API_KEY from the environment (it takes precedence over the keyring)."
    )
    assert child(dialog, QLabel, "key_preview").text() == "sk-ant-…cdAA"
    assert GOOD_KEY not in all_label_text(dialog)
    assert not child(dialog, QPushButton, "remove_key_button").isEnabled()


def test_settings_remove_asks_first_then_removes(qtbot: Any, aloop: Any, stored: Stored) -> None:
    stored.store.save(GOOD_KEY)
    dialog = settings(qtbot, stored.store)
    assert child(dialog, QLabel, "key_source_label").text() == (
        "Stored in the system keyring (service claude-desk)."
    )
    remove = child(dialog, QPushButton, "remove_key_button")

    def answer(button: QMessageBox.StandardButton) -> str:
        """Click Remove, then `button` in the question that opens (as a person would)."""
        qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
        boxes = dialog.findChildren(QMessageBox, "remove_key_question")
        [box] = [b for b in boxes if b.isVisible()]  # (the last one answered may linger hidden)
        title = box.windowTitle()
        qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)
        return title

    assert answer(QMessageBox.StandardButton.No) == "Remove API key?"
    assert stored.read() == GOOD_KEY

    with qtbot.waitSignal(dialog.key_changed, timeout=10_000) as changed:
        answer(QMessageBox.StandardButton.Yes)
    assert changed.args == [""]
    assert stored.read() is None
    assert child(dialog, QLabel, "key_source_label").text() == "No key"
    assert not child(dialog, QLabel, "key_preview").isVisible()
    assert not remove.isEnabled()


def test_settings_replace_checks_then_saves(qtbot: Any, aloop: Any, stored: Stored) -> None:
    stored.store.save(GOOD_KEY)
    verify = FakeVerify(good={GOOD_KEY, OTHER_KEY})
    dialog = settings(qtbot, stored.store, verify)
    changes: list[str] = []
    dialog.key_changed.connect(changes.append)
    key_input = child(dialog, QLineEdit, "api_key_input")
    assert not key_input.isVisible()

    qtbot.mouseClick(child(dialog, QPushButton, "replace_key_button"), Qt.MouseButton.LeftButton)
    assert key_input.isVisible()
    enter_key(qtbot, dialog, "not-a-key")
    assert verify.calls == []

    enter_key(qtbot, dialog, OTHER_KEY)
    run_until(aloop, lambda: bool(changes))

    assert changes == [OTHER_KEY]
    assert stored.read() == OTHER_KEY
    assert child(dialog, QLabel, "key_preview").text() == mask_key(OTHER_KEY)
    assert not key_input.isVisible()
    assert key_input.text() == ""


def test_settings_replace_without_keyring_says_the_problem_once(qtbot: Any, aloop: Any) -> None:
    store = FakeSecretStore(problem=NO_KEYRING)
    dialog = settings(qtbot, store)
    session_button = child(dialog, QPushButton, "session_only_button")

    qtbot.mouseClick(child(dialog, QPushButton, "replace_key_button"), Qt.MouseButton.LeftButton)
    enter_key(qtbot, dialog, GOOD_KEY)
    run_until(aloop, session_button.isVisible)

    assert child(dialog, QLabel, "keyring_warning").text() == NO_KEYRING
    assert status_text(dialog) == NO_KEYRING_OFFER
    shown = [label.text() for label in dialog.findChildren(QLabel) if label.isVisible()]
    assert sum(NO_KEYRING in text for text in shown) == 1


def test_settings_show_session_only_key(qtbot: Any, aloop: Any) -> None:
    store = FakeSecretStore(problem=NO_KEYRING)
    store.use_for_session(GOOD_KEY)
    dialog = settings(qtbot, store)

    assert child(dialog, QLabel, "key_source_label").text() == (
        "Used for this session only — not saved."
    )
    assert child(dialog, QLabel, "key_preview").text() == "sk-ant-…cdAA"


# -- against the real backend and the fake server ------------------------------------------------


def test_welcome_with_real_backend_against_fake_server(
    qtbot: Any, aloop: Any, stored: Stored, start_fake_api: Any
) -> None:
    backend_module = pytest.importorskip("desktop.api.backend")
    server = start_fake_api(accepted_keys={GOOD_KEY})
    backend = backend_module.AnthropicBackend(base_url=server.base_url)
    dialog = welcome(qtbot, stored.store, backend.verify_key)

    enter_key(qtbot, dialog, OTHER_KEY)
    run_until(aloop, lambda: status_text(dialog) != "Checking your key…", timeout=15)
    assert status_text(dialog) == REJECTED
    assert stored.read() is None

    enter_key(qtbot, dialog, GOOD_KEY)
    run_until(aloop, lambda: not dialog.isVisible(), timeout=15)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert stored.read() == GOOD_KEY
    aloop.run_until_complete(backend.aclose())


def test_no_keyring_with_real_store_keeps_key_off_disk(
    qtbot: Any, aloop: Any, desk_home: Any
) -> None:
    secrets = pytest.importorskip("desktop.storage.secrets")
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())  # type: ignore[no-untyped-call]
    try:
        store = secrets.KeyringSecretStore()
        dialog = welcome(qtbot, store, FakeVerify())
        assert child(dialog, QLabel, "keyring_warning").text() == store.keyring_problem()
        session_button = child(dialog, QPushButton, "session_only_button")

        enter_key(qtbot, dialog, GOOD_KEY)
        run_until(aloop, session_button.isVisible)
        qtbot.mouseClick(session_button, Qt.MouseButton.LeftButton)

        assert dialog.result() == QDialog.DialogCode.Accepted
        assert store.current() == (GOOD_KEY, KeySource.SESSION)
        assert not desk_home.exists() or not any(
            GOOD_KEY in p.read_text(errors="ignore") for p in desk_home.rglob("*") if p.is_file()
        )
    finally:
        keyring.set_keyring(previous)
