"""The API key: from the environment, this session's memory, or the OS keyring.

The key is stored only in the OS keyring (Secret Service / KWallet on Linux, Keychain on
macOS, Credential Manager on Windows) under service `SERVICE` and user name `USERNAME`.
It is never written to a file of ours, logged, or shown in a repr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

import keyring
from keyring.backends.chainer import ChainerBackend
from keyring.errors import NoKeyringError, PasswordDeleteError

from desktop.core.errors import NoKeyringBackend
from desktop.core.ports import KeySource

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "claude-desk"
"""Keyring service name the key is saved under."""
USERNAME = "anthropic-api-key"
"""Keyring user name the key is saved under."""
ENV_VAR = "ANTHROPIC_API_KEY"
"""An API key in this environment variable wins over any saved key."""

MIN_PRIORITY = 1.0
"""Backends below this priority are keyring's "not recommended" ones: `fail`, `null`, an
empty chainer, and plain-text files such as keyrings.alt's. The app refuses to save there."""

_LINUX_ADVICE = (
    "On Linux install and start a Secret Service such as GNOME Keyring or KWallet "
    "(e.g. `sudo apt install gnome-keyring`), then restart Claude Desk."
)
_OTHER_ADVICE = "Check that your system's credential store is available, then restart Claude Desk."
_SESSION_HINT = " Until then you can use your key for this session only."


class KeyringSecretStore:
    """`SecretStore` over the `keyring` package. Raises only `NoKeyringBackend`."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self._environ = environ
        self._session_key: str | None = None
        self._loaded = False
        self._keyring_key: str | None = None
        self._read_problem: str | None = None

    def current(self) -> tuple[str | None, KeySource]:
        """The key to use and where it came from: environment, session, keyring, else none."""
        env_key = self._environ.get(ENV_VAR, "").strip()
        if env_key:
            return env_key, KeySource.ENVIRONMENT
        if self._session_key:
            return self._session_key, KeySource.SESSION
        saved = self._saved_key()
        if saved:
            return saved, KeySource.KEYRING
        return None, KeySource.NONE

    def save(self, api_key: str) -> None:
        """Store the key in the OS keyring; it then replaces any session key."""
        api_key = api_key.strip()
        if not api_key:
            raise ValueError("empty API key")
        backend = keyring.get_keyring()
        problem = backend_problem(backend)
        if problem:
            raise NoKeyringBackend(problem)
        try:
            backend.set_password(SERVICE, USERNAME, api_key)
        except NoKeyringError as exc:
            raise NoKeyringBackend(_no_storage("none")) from exc
        except Exception as exc:  # any backend failure (locked, D-Bus gone, ...)
            raise NoKeyringBackend(_failed("save your API key to", exc)) from exc
        self._session_key = None
        self._keyring_key, self._loaded, self._read_problem = api_key, True, None

    def remove(self) -> None:
        """Forget the key: delete it from the keyring (if there) and clear the session key."""
        self._session_key = None
        self._keyring_key, self._loaded = None, True
        backend = keyring.get_keyring()
        if backend_problem(backend):
            return
        try:
            backend.delete_password(SERVICE, USERNAME)
        except (PasswordDeleteError, NoKeyringError):
            pass
        except Exception as exc:
            self._loaded = False
            raise NoKeyringBackend(_failed("remove your API key from", exc)) from exc

    def use_for_session(self, api_key: str) -> None:
        """Keep the key in memory for this run only."""
        self._session_key = api_key.strip() or None

    def keyring_problem(self) -> str | None:
        """None when the keyring works, else what is wrong and how to fix it."""
        return backend_problem(keyring.get_keyring()) or self._read_problem

    def reload(self) -> None:
        """Read the keyring again on the next `current()` (e.g. after it was unlocked)."""
        self._loaded = False
        self._read_problem = None

    def _saved_key(self) -> str | None:
        """The keyring's key, read once: a read can be slow or ask to unlock the keyring."""
        if not self._loaded:
            self._loaded = True
            self._keyring_key, self._read_problem = _read_keyring()
        return self._keyring_key


def backend_problem(backend: KeyringBackend) -> str | None:
    """Why `backend` is no secure place for the key, or None when it is."""
    if isinstance(backend, ChainerBackend):
        chained = list(backend.backends)
        if not chained:
            return _no_storage("chainer, with no backends")
        if max(_priority(b) for b in chained) < MIN_PRIORITY:
            return _no_storage(", ".join(_backend_name(b) for b in chained))
        return None
    if _priority(backend) < MIN_PRIORITY:
        return _no_storage(_backend_name(backend))
    return None


def _read_keyring() -> tuple[str | None, str | None]:
    """(key, problem): a failed read counts as no key, and the reason is kept."""
    backend = keyring.get_keyring()
    if backend_problem(backend):
        return None, None
    try:
        return backend.get_password(SERVICE, USERNAME) or None, None
    except NoKeyringError:
        return None, _no_storage("none")
    except Exception as exc:
        return None, _failed("read your API key from", exc)


def _priority(backend: KeyringBackend) -> float:
    try:
        return float(backend.priority)
    except Exception:
        return -1.0


def _backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    if cls.__module__.startswith("keyring.backends."):
        return cls.__module__.rsplit(".", 1)[-1]
    return f"{cls.__module__}.{cls.__qualname__}"


def _advice() -> str:
    return _LINUX_ADVICE if sys.platform.startswith("linux") else _OTHER_ADVICE


def _no_storage(backend_name: str) -> str:
    return (
        f"No secure key storage was found (keyring backend: {backend_name}). "
        f"{_advice()}{_SESSION_HINT}"
    )


def _failed(action: str, exc: Exception) -> str:
    reason = str(exc).strip() or type(exc).__name__
    return (
        f"Could not {action} the system keyring ({reason}). If it is locked, unlock it "
        f"(for example by logging in again) and try once more.{_SESSION_HINT}"
    )
