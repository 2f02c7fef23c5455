"""The one place that creates the app's folders and writes its files: owner-only, atomic.

Everything Claude Desk keeps holds conversations, so on POSIX systems (Linux, macOS) every
folder it creates is mode 0700 and every file it writes 0600, whatever the process umask
(modes are set explicitly after creation, not left to the umask). On Windows the per-user
folders (``%LOCALAPPDATA%``) already restrict access and ``chmod`` only toggles the read-only
flag, so no mode is set there: the code path is the same, the POSIX-only calls are skipped.

The app does not change its umask: a process-wide umask would also apply to everything the app
starts (the browser a link opens, and every file that browser saves) and to folders a person
makes in a save dialog. Setting modes here, where the files are made, affects only our files.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

POSIX = os.name == "posix"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_OTHERS = 0o077  # group and other permission bits


def private_dir(folder: Path) -> Path:
    """Create `folder` and any missing parents, each 0700 (as the XDG spec asks); an existing
    folder is left as it is. Returns `folder`."""
    folder = Path(folder)
    missing: list[Path] = []
    for level in (folder, *folder.parents):
        if level.is_dir():
            break
        missing.append(level)
    for level in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile (another thread or run)
            level.mkdir(mode=PRIVATE_DIR)
            _set_mode(level, PRIVATE_DIR)
    if not folder.is_dir():
        folder.mkdir()  # raises the real reason (a file in the way, ...)
    return folder


def private_file(path: Path) -> Path:
    """Make sure `path` exists; a file made here is 0600 and empty, an existing one is kept
    (contents and mode). For files others open by name: SQLite, the log. Returns `path`."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return path
    try:
        _set_fd_mode(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return path


def atomic_write(
    path: Path | str,
    data: str | bytes,
    *,
    mode: int = PRIVATE_FILE,
    encoding: str = "utf-8",
    temp_prefix: str | None = None,
) -> None:
    """Replace `path` with `data` so that readers see the old file or the new one, never half.

    The only file writer of the app: history caches, settings, blobs and every export. Text is
    written as given (no newline translation). The new file is `mode` (0600: owner only), also
    when it replaces a file with other permissions. A failure leaves the old file and no
    temporary file behind (named `temp_prefix`… while it is written; default ``.<name>.``).
    """
    path = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    prefix = temp_prefix if temp_prefix is not None else f".{path.name}."
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        _set_fd_mode(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def loose_entries(roots: Iterable[Path]) -> Iterator[Path]:
    """Folders and files under (and including) `roots` that others may read: any group or
    other permission bit set. Symbolic links are neither followed nor reported. None on
    Windows (modes mean nothing there)."""
    if not POSIX:
        return
    for root in roots:
        if _is_loose(root):
            yield root
        for folder, dirs, files in os.walk(root):
            for name in (*dirs, *files):
                entry = Path(folder, name)
                if _is_loose(entry):
                    yield entry


def tighten(roots: Iterable[Path]) -> int:
    """Make every folder under `roots` 0700 and every file 0600 where others had access (only
    this account's own entries; symbolic links untouched). Returns how many were changed."""
    changed = 0
    for entry in list(loose_entries(roots)):
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours after all
            _set_mode(entry, PRIVATE_DIR if entry.is_dir() else PRIVATE_FILE)
            changed += 1
    return changed


def _is_loose(entry: Path) -> bool:
    try:
        info = entry.lstat()
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return False
    return bool(info.st_mode & _OTHERS)


def _set_mode(path: Path, mode: int) -> None:
    if POSIX:
        os.chmod(path, mode)


def _set_fd_mode(fd: int, mode: int) -> None:
    if POSIX:
        os.fchmod(fd, mode)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable where the OS allows it (not on Windows)."""
    if not POSIX:
        return
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
