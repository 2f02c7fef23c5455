"""`ExportFiles`: exports written by the app's one atomic writer, their folder remembered.

The folder of the last export is kept in ``config/exports.json`` (0600, like every file of the
app), so the next save dialog opens there, also after a restart.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from desktop.storage.files import atomic_write

EXPORTS_FILE = "exports.json"


class FileExports:
    """Exports under any path a person chooses; the settings file under `config_dir`."""

    def __init__(self, config_dir: Path) -> None:
        self._settings = Path(config_dir) / EXPORTS_FILE
        self._folder: str | None = None  # read on first use, not at startup

    def folder(self) -> str:
        """The last export's folder while it still exists, else ""."""
        if self._folder is None:
            self._folder = read_folder(self._settings)
        return self._folder if self._folder and Path(self._folder).is_dir() else ""

    def write_text(self, path: str, text: str) -> None:
        """Write the export atomically (0600), then remember its folder (best effort)."""
        atomic_write(path, text)
        folder = str(Path(path).absolute().parent)
        if folder == self._folder:
            return
        self._folder = folder
        with contextlib.suppress(OSError):  # the export itself is saved; that is what counts
            atomic_write(self._settings, json.dumps({"folder": folder}))


def read_folder(settings: Path) -> str:
    """The folder remembered in `settings` (exports.json), or ""."""
    try:
        data = json.loads(settings.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    folder = data.get("folder") if isinstance(data, dict) else None
    return folder if isinstance(folder, str) else ""
