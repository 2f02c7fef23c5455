"""Attachment blobs: content-addressed files beside the database.

A blob is stored once under the SHA-256 of its content, as ``blobs/ab/abcdef…`` (the first
two hex digits name a subfolder, so no folder grows huge). Writing is atomic (a temporary
file in the same folder, flushed, then renamed), so a reader sees a whole blob or none, and
the same content put twice is one file. Blobs are never changed; garbage collection
(`delete_unreferenced`) removes those that no stored message names any more.

Plain file I/O, safe from worker threads; `put` of the same content from two threads at once
is harmless (both renames install identical bytes). `put` and `delete_unreferenced` of one store
exclude each other per blob: a `put` that finds its blob already stored marks it as new (its
modification time), so a collection with a `min_age` running at the same time keeps it.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from desktop.core.errors import StorageError
from desktop.storage.files import atomic_write, private_dir

BLOBS_FOLDER = "blobs"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX = ".tmp-"
_STALE_TEMP_SECONDS = 3600.0


class BlobMissingError(StorageError):
    """A blob a message refers to is not in the store (deleted or never written)."""

    title = "Attachment missing"


class BlobStore:
    """Content-addressed files under `root` (usually ``data_dir / "blobs"``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()  # a put finding its blob vs. the collector deleting it

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> BlobStore:
        """The store beside the database, in ``data_dir / "blobs"``."""
        return cls(Path(data_dir) / BLOBS_FOLDER)

    def path(self, sha256: str) -> Path:
        """Where the blob `sha256` lives (whether or not it exists)."""
        digest = _checked(sha256)
        return self.root / digest[:2] / digest

    def __contains__(self, sha256: object) -> bool:
        if not isinstance(sha256, str) or _SHA256.fullmatch(sha256) is None:
            return False
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        """Store `data` (once) and return its SHA-256 in lowercase hex."""
        import hashlib  # on first use: its OpenSSL library stays off the first paint

        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        with self._lock, contextlib.suppress(OSError):
            if target.stat().st_size == len(data):
                os.utime(target)  # in use again: young for `delete_unreferenced(min_age=…)`
                return digest  # already stored: content-addressed files never change
        try:
            try:
                private_dir(target.parent)
                atomic_write(target, data, temp_prefix=_TEMP_PREFIX)
            except FileNotFoundError:  # garbage collection removed the empty subfolder
                private_dir(target.parent)
                atomic_write(target, data, temp_prefix=_TEMP_PREFIX)
        except OSError as exc:
            raise StorageError(
                f"Could not save an attachment in {self.root}: {exc.strerror or exc}. "
                "Check that the disk is not full and the folder is writable."
            ) from exc
        return digest

    def get(self, sha256: str) -> bytes:
        """The content of blob `sha256`.

        Raises:
            BlobMissingError: no such blob.
            StorageError: it exists but cannot be read.
        """
        path = self.path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise BlobMissingError(
                "An attachment of this conversation is missing from "
                f"{self.root}; it cannot be shown or sent again."
            ) from exc
        except OSError as exc:
            raise StorageError(f"Could not read {path}: {exc.strerror or exc}.") from exc

    def hashes(self) -> Iterator[str]:
        """Every stored blob's SHA-256."""
        for path in self._blob_files():
            yield path.name

    def delete_unreferenced(self, referenced: set[str], *, min_age: float = 0.0) -> int:
        """Delete every blob not in `referenced`; returns how many were deleted.

        `referenced` must hold every blob still in use, including attachments that are
        prepared but not sent yet. Blobs written (or put again) less than `min_age` seconds
        ago are kept: an image being prepared in another thread may store its blob after the
        caller named what is referenced. Leftover temporary files of crashed writes older
        than an hour and empty subfolders go too.
        """
        now = time.time()
        deleted = 0
        for path in self._blob_files():
            if path.name in referenced:
                continue
            with self._lock:
                if not _older_than(path, now, min_age):
                    continue
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    deleted += 1
        self._sweep(now)
        return deleted

    def _blob_files(self) -> Iterator[Path]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if len(folder.name) != 2 or not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if _SHA256.fullmatch(path.name) and path.name.startswith(folder.name):
                    yield path

    def _sweep(self, now: float) -> None:
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if len(folder.name) != 2 or not folder.is_dir():
                continue
            for path in folder.glob(f"{_TEMP_PREFIX}*"):
                if _older_than(path, now, _STALE_TEMP_SECONDS):
                    with contextlib.suppress(OSError):
                        path.unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when empty


def _checked(sha256: str) -> str:
    if not isinstance(sha256, str) or _SHA256.fullmatch(sha256) is None:
        raise ValueError(f"not a SHA-256 in lowercase hex: {sha256!r}")
    return sha256


def _older_than(path: Path, now: float, seconds: float) -> bool:
    if seconds <= 0:
        return True
    try:
        return now - path.stat().st_mtime >= seconds
    except OSError:
        return False
