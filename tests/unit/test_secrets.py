"""KeyringSecretStore with an in-memory keyring and with no usable keyring at all."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backend
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringLocked

from desktop.core.errors import NoKeyringBackend
from desktop.core.ports import KeySource, SecretStore
from desktop.storage.secrets import SERVICE, USERNAME, KeyringSecretStore, backend_problem
from tests.keyring_memory import MemoryKeyring

KEY = "sk-ant-api03-test-key"


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    """Lets a test call keyring.set_keyring; the previous backend comes back afterwards."""
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring(restore_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())


class PlainTextFile(KeyringBackend):
    """Stands in for keyrings.alt's plain-text file: works, but is not secure storage."""

    priority = 0.5  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("must never be used")

    def delete_password(self, service: str, username: str) -> None:
        raise AssertionError("must never be used")


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


def test_satisfies_the_port(memory_keyring: MemoryKeyring) -> None:
    store: SecretStore = KeyringSecretStore()
    assert store.current() == (None, KeySource.NONE)


# -- with a working keyring ---------------------------------------------------------------


def test_save_round_trips_through_the_keyring(memory_keyring: MemoryKeyring) -> None:
    KeyringSecretStore().save(f"  {KEY}\n")

    assert memory_keyring.store == {(SERVICE, USERNAME): KEY}
    assert (SERVICE, USERNAME) == ("claude-desk", "anthropic-api-key")
    assert KeyringSecretStore().current() == (KEY, KeySource.KEYRING)  # a later run finds it


def test_remove_deletes_and_clears_the_session(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore()
    store.save(KEY)
    store.use_for_session("sk-session")

    store.remove()

    assert memory_keyring.store == {}
    assert store.current() == (None, KeySource.NONE)
    store.remove()  # nothing saved: still fine


def test_environment_wins(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore(environ={"ANTHROPIC_API_KEY": "sk-from-env"})
    store.save(KEY)
    store.use_for_session("sk-session")

    assert store.current() == ("sk-from-env", KeySource.ENVIRONMENT)


def test_blank_environment_variable_is_ignored(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore(environ={"ANTHROPIC_API_KEY": "  "})

    assert store.current() == (None, KeySource.NONE)


def test_reads_os_environ_by_default(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = KeyringSecretStore()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-env")

    assert store.current() == ("sk-env", KeySource.ENVIRONMENT)


def test_session_key_is_memory_only_and_beats_the_keyring(
    memory_keyring: MemoryKeyring,
) -> None:
    memory_keyring.store[(SERVICE, USERNAME)] = KEY
    store = KeyringSecretStore()

    store.use_for_session("sk-session")

    assert store.current() == ("sk-session", KeySource.SESSION)
    assert memory_keyring.store == {(SERVICE, USERNAME): KEY}
    assert KeyringSecretStore().current() == (KEY, KeySource.KEYRING)


def test_saving_replaces_the_session_key(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore()
    store.use_for_session("sk-session")

    store.save(KEY)

    assert store.current() == (KEY, KeySource.KEYRING)


def test_working_keyring_has_no_problem(memory_keyring: MemoryKeyring) -> None:
    assert KeyringSecretStore().keyring_problem() is None


def test_key_never_appears_in_repr(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore()
    store.save(KEY)
    store.use_for_session("sk-session-secret")

    assert KEY not in repr(store)
    assert "sk-session-secret" not in repr(store)


def test_locked_keyring_reads_as_no_key_and_is_remembered(restore_keyring: None) -> None:
    keyring.set_keyring(LockedKeyring())
    store = KeyringSecretStore()

    assert store.current() == (None, KeySource.NONE)
    problem = store.keyring_problem()
    assert problem is not None
    assert "Failed to unlock" in problem
    assert "this session only" in problem

    with pytest.raises(NoKeyringBackend, match="unlock"):
        store.save(KEY)

    keyring.set_keyring(MemoryKeyring())
    store.reload()
    assert store.keyring_problem() is None


# -- with no usable keyring ---------------------------------------------------------------


@pytest.mark.usefixtures("no_keyring")
def test_save_without_backend_raises_no_keyring_backend() -> None:
    store = KeyringSecretStore()

    with pytest.raises(NoKeyringBackend) as caught:
        store.save(KEY)

    assert KEY not in caught.value.message
    assert "gnome-keyring" in caught.value.message


@pytest.mark.usefixtures("no_keyring")
def test_keyring_problem_says_how_to_fix_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")

    problem = KeyringSecretStore().keyring_problem()

    assert problem is not None
    assert problem.startswith("No secure key storage was found (keyring backend: fail).")
    assert "Secret Service" in problem
    assert "sudo apt install gnome-keyring" in problem
    assert "restart Claude Desk" in problem


@pytest.mark.usefixtures("no_keyring")
def test_without_backend_current_and_remove_still_work() -> None:
    store = KeyringSecretStore()
    assert store.current() == (None, KeySource.NONE)

    store.use_for_session(KEY)
    assert store.current() == (KEY, KeySource.SESSION)

    store.remove()
    assert store.current() == (None, KeySource.NONE)


@pytest.mark.usefixtures("no_keyring")
def test_set_password_raising_no_keyring_error_is_converted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("desktop.storage.secrets.backend_problem", lambda backend: None)

    with pytest.raises(NoKeyringBackend, match="No secure key storage"):
        KeyringSecretStore().save(KEY)


def test_null_and_plain_text_backends_are_not_secure_storage() -> None:
    for backend, name in ((null.Keyring(), "null"), (PlainTextFile(), "PlainTextFile")):
        problem = backend_problem(backend)
        assert problem is not None
        assert name in problem


def test_plain_text_backend_is_never_written(restore_keyring: None) -> None:
    keyring.set_keyring(PlainTextFile())

    with pytest.raises(NoKeyringBackend):
        KeyringSecretStore().save(KEY)


def test_chainer_with_no_backends_is_no_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring.backend, "_limit", lambda backend: False)

    problem = backend_problem(chainer.ChainerBackend())

    assert problem is not None
    assert "chainer" in problem


def test_recommended_backends_are_fine() -> None:
    assert backend_problem(MemoryKeyring()) is None
