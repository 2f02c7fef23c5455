"""What the key dialogs say, and the checks on a pasted key that need no network.

`normalize_key` takes the key out of what a person pasted, `key_format_problem` says why it
cannot be a key before the API is asked, `mask_key` previews a key without revealing it.
"""

from __future__ import annotations

from desktop.core.errors import AuthFailed, DeskError, Offline, TimedOut
from desktop.core.ports import KeySource

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


def check_failure_text(error: BaseException) -> str:
    """What to tell a person when checking a key against the API failed with `error`."""
    if isinstance(error, AuthFailed):
        return REJECTED
    if isinstance(error, Offline | TimedOut):
        return UNREACHABLE
    if isinstance(error, DeskError):
        return error.message
    return f"Couldn't check the key: {error}"
