"""Images attached to the message being written: prepared off the UI thread, for the model.

Each image is prepared (decoded, oriented, downscaled to the model's long edge, stripped of
metadata, re-encoded), stored as a blob and given a thumbnail in a worker thread; the owner
hears about it through `changed` and `failed`. Switching model re-prepares every image.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop.core.errors import DeskError
from desktop.core.images import blob_image_block, estimate_tokens, url_file_name, url_image_block
from desktop.core.names import file_name
from desktop.core.ports import AttachmentStore, ImagePreparer, PreparedImage
from desktop.ui.common.gil import ui_first
from desktop.ui.common.tasks import TaskRegistry

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

THUMBNAIL_SIZE = 96
GROUP_PREFIX = "attachment:"
DEFAULT_LONG_EDGE = 1568

Loader = Callable[[], bytes]

_WORKER_NICENESS = 5
_executor_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def prep_workers() -> int:
    """Images prepared at once: one core is left to the UI thread (and at most four)."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def _lower_priority() -> None:
    """Run in each worker: the UI thread wins the CPU over image preparation (Linux only,
    where a thread has its own nice value; elsewhere the call would renice the process)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _WORKER_NICENESS)


def prep_executor() -> ThreadPoolExecutor:
    """The few threads that prepare images, shared by every `PendingImages`.

    Not asyncio's default executor (as many threads as cores + 4): ten large photos decoding
    in ten threads would leave the UI thread waiting for a core and for the GIL.
    """
    global _executor
    with _executor_lock:
        if _executor is None:
            from concurrent.futures import ThreadPoolExecutor

            _executor = ThreadPoolExecutor(
                prep_workers(), thread_name_prefix="image-prep", initializer=_lower_priority
            )
        return _executor


@dataclass(eq=False)
class PendingImage:
    """One attached image; `prepared` is None while it is being prepared. An image given by
    its web address (`url`) is not prepared here: the API downloads it."""

    id: int
    name: str
    path: str | None = None
    url: str | None = None
    loader: Loader | None = None
    prepared: PreparedImage | None = None
    thumbnail: bytes = b""
    long_edge: int = DEFAULT_LONG_EDGE
    stored: set[str] = field(default_factory=set)
    """Blobs the preparations of this image stored (or are storing right now), for the
    garbage collector to keep; written by worker threads under `PendingImages`' lock."""
    _raw: list[bytes] = field(default_factory=list)

    @property
    def preparing(self) -> bool:
        return self.prepared is None and self.url is None

    @property
    def tokens(self) -> int:
        if self.prepared is None:
            return 0
        return estimate_tokens(self.prepared.width, self.prepared.height, self.long_edge)

    def read(self) -> bytes:
        """The original bytes of an image that is not a file (run in a worker thread)."""
        if not self._raw:
            assert self.loader is not None
            self._raw.append(self.loader())
        return self._raw[0]


class PendingImages(QObject):
    """The images of the message being written, in the order they were added."""

    changed = Signal()  # an image was added, removed, or finished preparing
    failed = Signal(str)  # an image could not be used; it was dropped from the list

    def __init__(
        self,
        preparer: ImagePreparer,
        blobs: AttachmentStore,
        tasks: TaskRegistry,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._preparer = preparer
        self._blobs = blobs
        self._tasks = tasks
        self._items: list[PendingImage] = []
        self._lock = threading.Lock()  # PendingImage.stored, written from worker threads
        self._ids = itertools.count(1)
        self.long_edge = DEFAULT_LONG_EDGE

    @property
    def items(self) -> list[PendingImage]:
        return list(self._items)

    @property
    def preparing(self) -> bool:
        return any(item.preparing for item in self._items)

    def ready(self) -> list[PreparedImage]:
        return [item.prepared for item in self._items if item.prepared is not None]

    def blocks(self) -> list[dict[str, Any]]:
        """The image blocks of the images that are ready, in the order they were added."""
        blocks = []
        for item in self._items:
            if item.url is not None:
                blocks.append(url_image_block(item.url))
            elif item.prepared is not None:
                blocks.append(blob_image_block(item.prepared.facts))
        return blocks

    def hashes(self) -> set[str]:
        """Blobs the pending images use or are about to use (to keep when collecting garbage).

        Includes the blob of an image still being prepared: its worker names the blob here
        before it writes it, so a collection that starts in between keeps it.
        """
        with self._lock:
            stored: set[str] = set().union(*(item.stored for item in self._items))
        return stored | {image.sha256 for image in self.ready()}

    def add_file(self, path: str) -> None:
        self.add_files([path])

    def add_files(self, paths: list[str]) -> None:
        """Several files at once (a drop): one `changed` for all of them."""
        for path in paths:
            item = PendingImage(next(self._ids), file_name(path), path=path)
            self._items.append(item)
            self._start(item)
        if paths:
            self.changed.emit()

    def add_data(self, name: str, loader: Loader) -> None:
        """An image that is not a file (a pasted one); `loader` runs in a worker thread."""
        self._add(PendingImage(next(self._ids), name, loader=loader))

    def add_url(self, url: str) -> None:
        """An image on the web (a pasted image address): sent as a URL source, as it is."""
        self._items.append(PendingImage(next(self._ids), url_file_name(url), url=url))
        self.changed.emit()

    def remove(self, item_id: int) -> None:
        self._tasks.cancel(f"{GROUP_PREFIX}{item_id}")
        self._items = [item for item in self._items if item.id != item_id]
        self.changed.emit()

    def clear(self) -> None:
        self._tasks.cancel_prefix(GROUP_PREFIX)
        self._items = []
        self.changed.emit()

    def set_long_edge(self, long_edge: int) -> None:
        """The model changed: prepare every image again for its long edge."""
        if long_edge == self.long_edge:
            return
        self.long_edge = long_edge
        for item in self._items:
            if item.url is None:
                item.prepared = None
                self._start(item)
        self.changed.emit()

    # -- internals -------------------------------------------------------------------------

    def _add(self, item: PendingImage) -> None:
        self._items.append(item)
        self._start(item)
        self.changed.emit()

    def _start(self, item: PendingImage) -> None:
        long_edge = self.long_edge

        def on_done(task: asyncio.Task[Any]) -> None:
            self._on_prepared(item, long_edge, task)

        self._tasks.start(f"{GROUP_PREFIX}{item.id}", self._prepare(item, long_edge), on_done)

    async def _prepare(self, item: PendingImage, long_edge: int) -> tuple[PreparedImage, bytes]:
        import asyncio

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(prep_executor(), self._work, item, long_edge)

    def _work(self, item: PendingImage, long_edge: int) -> tuple[PreparedImage, bytes]:
        """In a worker thread: prepare, store the blob, make the thumbnail."""
        with ui_first():
            return self._prepare_and_store(item, long_edge)

    def _prepare_and_store(self, item: PendingImage, long_edge: int) -> tuple[PreparedImage, bytes]:
        if item.path is not None:
            prepared = self._preparer.prepare_file(item.path, long_edge)
        else:
            prepared = self._preparer.prepare(item.read(), item.name, long_edge)
        with self._lock:
            item.stored.add(prepared.sha256)
        self._blobs.put(prepared.data)
        return prepared, self._preparer.thumbnail(prepared.data, THUMBNAIL_SIZE)

    def _on_prepared(self, item: PendingImage, long_edge: int, task: asyncio.Task[Any]) -> None:
        if task.cancelled() or item not in self._items or long_edge != self.long_edge:
            return
        exc = task.exception()
        if exc is not None:
            self._items.remove(item)
            self.changed.emit()
            message = exc.message if isinstance(exc, DeskError) else f"{item.name}: {exc}"
            self.failed.emit(message)
            return
        item.prepared, item.thumbnail = task.result()
        item.long_edge = long_edge
        self.changed.emit()
