"""Where Claude Desk keeps its files (each folder owner-only: see `desktop.storage.files`).

By default the folders are the platform's usual ones (via platformdirs). Setting the
environment variable ``CLAUDE_DESK_HOME`` puts everything under that one folder instead,
as ``data/``, ``config/``, ``cache/`` and ``logs/`` (handy for tests and portable installs).

Portable mode keeps everything beside the app, in ``claude-desk-data/`` next to the
executable: a file named ``portable`` next to a bundled (PyInstaller) executable turns it on,
and so does the ``--portable`` option (from source, "beside the app" is the working
directory). ``CLAUDE_DESK_HOME`` wins over the marker file; ``--portable`` sets it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop.storage.files import private_dir, private_file, tighten

APP_NAME = "claude-desk"
APP_AUTHOR = "ClaudeDesk"
HOME_ENV = "CLAUDE_DESK_HOME"
DATABASE_NAME = "history.sqlite3"
PORTABLE_MARKER = "portable"
"""A file of this name next to a bundled executable turns portable mode on."""
PORTABLE_FOLDER = "claude-desk-data"
"""Where portable mode keeps data, config, cache and logs, beside the executable."""
PRIVATE_MARKER = ".private-v1"
"""In the data folder once an older installation's folders and files were made owner-only."""


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The app's folders. Build with `AppPaths.resolve()`, then call `ensure()` once."""

    data_dir: Path
    config_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def resolve(cls, environ: Mapping[str, str] | None = None) -> AppPaths:
        """The folders for this run: under ``CLAUDE_DESK_HOME`` if set, else the platform's."""
        env = os.environ if environ is None else environ
        home = env.get(HOME_ENV, "").strip()
        if home:
            return cls.under(Path(home).expanduser())
        portable = portable_home()
        if portable is not None:
            return cls.under(portable)
        return cls(
            data_dir=platformdirs.user_data_path(APP_NAME, APP_AUTHOR),
            config_dir=platformdirs.user_config_path(APP_NAME, APP_AUTHOR),
            cache_dir=platformdirs.user_cache_path(APP_NAME, APP_AUTHOR),
            log_dir=platformdirs.user_log_path(APP_NAME, APP_AUTHOR),
        )

    @classmethod
    def under(cls, home: Path) -> AppPaths:
        """All folders as subfolders of one `home` folder."""
        home = home.absolute()
        return cls(
            data_dir=home / "data",
            config_dir=home / "config",
            cache_dir=home / "cache",
            log_dir=home / "logs",
        )

    @property
    def folders(self) -> tuple[Path, Path, Path, Path]:
        """Data, config, cache and logs."""
        return (self.data_dir, self.config_dir, self.cache_dir, self.log_dir)

    def ensure(self) -> AppPaths:
        """Create every folder that does not exist yet (0700, as are missing parents);
        returns self. The log folder is optional (the app runs without a file log): a
        failure there is left to the logger."""
        for folder in (self.data_dir, self.config_dir, self.cache_dir):
            private_dir(folder)
        with contextlib.suppress(OSError):
            private_dir(self.log_dir)
        return self

    def owned_folders(self) -> list[Path]:
        """The four folders and the parents the app named (``claude-desk``, ``ClaudeDesk``,
        the portable folder, e.g. ``~/.local/state/claude-desk`` above the logs)."""
        owned = list(self.folders)
        for folder in self.folders:
            for parent in folder.parents:
                if parent.name not in (APP_NAME, APP_AUTHOR, PORTABLE_FOLDER):
                    break
                if parent not in owned:
                    owned.append(parent)
        return owned

    def tighten_once(self) -> int | None:
        """Make an existing installation owner-only (folders 0700, files 0600), once: later
        runs find the marker and do nothing (None). Returns how many entries were changed."""
        marker = self.data_dir / PRIVATE_MARKER
        if marker.exists():
            return None
        changed = tighten(self.owned_folders())
        private_file(marker)
        return changed

    @property
    def database_path(self) -> Path:
        """The conversation history database."""
        return self.data_dir / DATABASE_NAME


def app_dir() -> Path:
    """The folder of the bundled executable, or the working directory when run from source."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path.cwd()


def portable_home(force: bool = False) -> Path | None:
    """The portable data folder when portable mode is on (or `force`d), else None."""
    folder = app_dir()
    marked = getattr(sys, "frozen", False) and (folder / PORTABLE_MARKER).is_file()
    return folder / PORTABLE_FOLDER if force or marked else None
