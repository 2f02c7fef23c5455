"""The app's own preferences (the theme, ...): a small JSON file in the config folder.

Only plain choices live here, never a secret (the API key is in the keyring). Unreadable or
malformed files count as empty; writes are atomic.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from desktop.storage.paths import atomic_write_text

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.storage.paths import AppPaths

PREFERENCES_NAME = "preferences.json"
_log = logging.getLogger(__name__)


def preferences_path(paths: AppPaths) -> Path:
    return paths.config_dir / PREFERENCES_NAME


def read_preferences(path: Path) -> dict[str, str]:
    """The saved preferences ({} when there are none or the file is unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        _log.warning("Preferences unreadable, using defaults: %s", type(exc).__name__)
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def save_preference(path: Path, key: str, value: str) -> None:
    """Set one preference, keeping the others."""
    data = read_preferences(path)
    data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
