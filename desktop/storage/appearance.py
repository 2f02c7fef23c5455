"""The appearance the person chose (the theme, the system scheme seen last): a small JSON file
in the config folder (the Preferences dialog's choices are in preferences.py).

Only plain choices live here, never a secret (the API key is in the keyring). Unreadable or
malformed files count as empty; writes are atomic.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from desktop.storage.files import atomic_write, private_dir

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.storage.paths import AppPaths

APPEARANCE_NAME = "appearance.json"
_log = logging.getLogger(__name__)


def appearance_path(paths: AppPaths) -> Path:
    return paths.config_dir / APPEARANCE_NAME


def read_appearance(path: Path) -> dict[str, str]:
    """The saved preferences ({} when there are none or the file is unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        _log.warning("Appearance choices unreadable, using defaults: %s", type(exc).__name__)
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def save_appearance(path: Path, key: str, value: str) -> None:
    """Set one preference, keeping the others."""
    data = read_appearance(path)
    data[key] = value
    private_dir(path.parent)
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
