"""The app's settings file: preferences and the window's place, as JSON in the config folder.

One file, ``settings.json``, written atomically (temporary file, flush, rename). It never
holds the API key (that lives in the OS keyring). A file that cannot be read is moved aside,
not overwritten, and the person is told where it went.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

from desktop.core.errors import StorageError
from desktop.core.preferences import Preferences
from desktop.storage.paths import atomic_write_text

SETTINGS_NAME = "settings.json"


class PreferencesFile:
    """Reads and writes the preferences at `path` (``<config>/settings.json``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def in_config_dir(cls, config_dir: Path) -> PreferencesFile:
        return cls(Path(config_dir) / SETTINGS_NAME)

    def load(self, default_model: str) -> tuple[Preferences, str | None]:
        """The stored preferences (or the initial ones) and a problem to show, if any.

        A file that is not valid JSON is renamed to ``settings.json.unreadable-<time>`` so
        nothing in it is lost when the preferences are saved again.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Preferences.initial(default_model), None
        except (OSError, UnicodeDecodeError) as exc:
            return Preferences.initial(default_model), f"Preferences not read: {exc}"
        try:
            data = json.loads(text)
        except ValueError as exc:
            return Preferences.initial(default_model), self._move_aside(exc)
        return Preferences.from_dict(data, default_model), None

    def _move_aside(self, exc: ValueError) -> str:
        aside = self.path.with_name(f"{self.path.name}.unreadable-{int(time.time())}")
        with contextlib.suppress(OSError):
            self.path.replace(aside)
            return (
                f"Your preferences in {self.path} could not be read ({exc}); the file was "
                f"kept as {aside.name} and the defaults are used."
            )
        return f"Your preferences in {self.path} could not be read ({exc}); defaults are used."

    def save(self, preferences: Preferences) -> None:
        """Write the preferences atomically; raises StorageError with a readable message."""
        text = json.dumps(preferences.to_dict(), indent=2, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, text)
        except OSError as exc:
            raise StorageError(f"Preferences could not be saved to {self.path}: {exc}") from exc
