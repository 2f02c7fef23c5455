"""Where Claude Desk keeps its files, and how it writes them safely.

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
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "claude-desk"
APP_AUTHOR = "ClaudeDesk"
HOME_ENV = "CLAUDE_DESK_HOME"
DATABASE_NAME = "history.sqlite3"
PORTABLE_MARKER = "portable"
"""A file of this name next to a bundled executable turns portable mode on."""
PORTABLE_FOLDER = "claude-desk-data"
"""Where portable mode keeps data, config, cache and logs, beside the executable."""


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

    def ensure(self) -> AppPaths:
        """Create every folder that does not exist yet; returns self. The log folder is
        optional (the app runs without a file log): a failure there is left to the logger."""
        for folder in (self.data_dir, self.config_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            self.log_dir.mkdir(parents=True, exist_ok=True)
        return self

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


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Replace `path` with `text` so that readers see the old file or the new one, never half.

    The text is written as given (no newline translation).
    """
    path = Path(path)
    atomic_write_bytes(path, text.encode(encoding), temp_prefix=f".{path.name}.")


def atomic_write_bytes(path: Path, data: bytes, *, temp_prefix: str | None = None) -> None:
    """Write a temporary file in the same folder, flush it to disk, rename it over `path`."""
    path = Path(path)
    prefix = temp_prefix if temp_prefix is not None else f".{path.name}."
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable where the OS allows it (not on Windows)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
