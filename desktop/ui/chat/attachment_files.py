"""Stored attachments of the chat: full-size bytes, thumbnails of sent images, clean-up.

Blobs (images and documents, content-addressed) outlive the messages that name them only
until the next clean-up: after a conversation is deleted, every blob that no stored message,
pending image, listed document or other keeper (e.g. a Batches form) uses is deleted in a
worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop.core.errors import StorageError
from desktop.ui.attachments.pending import THUMBNAIL_SIZE

if TYPE_CHECKING:
    import asyncio

    from desktop.core.ports import AttachmentStore, ConversationStore, ImagePreparer
    from desktop.ui.common.tasks import TaskRegistry

log = logging.getLogger(__name__)

BLOB_GC_GROUP = "blob-gc"
BLOB_GC_MIN_AGE = 60.0
"""Seconds an unreferenced blob is kept after it was written (or put again)."""


class AttachmentFiles(QObject):
    thumbnail_ready = Signal(str, bytes)  # sha256 of a sent image, PNG thumbnail
    failed = Signal(str)  # a storage problem to show

    def __init__(
        self,
        store: ConversationStore,
        blobs: AttachmentStore | None,
        images: ImagePreparer | None,
        tasks: TaskRegistry,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self.blobs = blobs
        self._images = images
        self._tasks = tasks
        self._thumbnails: dict[str, bytes] = {}
        self.keepers: list[Callable[[], set[str]]] = []  # blobs in use elsewhere

    def remember_thumbnail(self, sha256: str, png: bytes) -> None:
        """A just-sent image's thumbnail (made while it was pending)."""
        self._thumbnails[sha256] = png

    def load(self, sha256: str) -> bytes | None:
        """An attachment's bytes (for a full-size preview); None if it cannot be read."""
        if self.blobs is None:
            return None
        try:
            return self.blobs.get(sha256)
        except StorageError as exc:
            self.failed.emit(exc.message)
            return None

    def thumbnail(self, sha256: str) -> bytes | None:
        """A sent image's thumbnail if known; else one is made and `thumbnail_ready` follows."""
        cached = self._thumbnails.get(sha256)
        if cached is not None or self._images is None or self.blobs is None:
            return cached
        group = f"thumbnail:{sha256}"
        if not self._tasks.running(group):
            import asyncio

            images, blobs = self._images, self.blobs

            def make() -> bytes:
                return images.thumbnail(blobs.get(sha256), THUMBNAIL_SIZE)

            def on_done(task: asyncio.Task[Any]) -> None:
                if not task.cancelled() and task.exception() is None:
                    self._thumbnails[sha256] = task.result()
                    self.thumbnail_ready.emit(sha256, task.result())

            self._tasks.start(group, asyncio.to_thread(make), on_done)
        return None

    def collect(self) -> None:
        """Delete, in a worker thread, the blobs nothing uses any more."""
        if self.blobs is None:
            return
        try:
            referenced = self._store.referenced_blobs()
        except StorageError as exc:
            log.warning("attachments not collected: %s", exc.message)
            return
        for keeper in self.keepers:
            referenced |= keeper()
        import asyncio

        blobs = self.blobs
        # Pending images name their blobs before writing them; blobs written (or put again)
        # in the last minute are kept as well, for whatever may still be on its way.
        collect = asyncio.to_thread(blobs.delete_unreferenced, referenced, min_age=BLOB_GC_MIN_AGE)
        self._tasks.start(BLOB_GC_GROUP, collect)
