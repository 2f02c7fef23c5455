"""The image and document preparers of desktop.media, imported on first use.

Pillow, pypdf and hashlib stay off the first paint; the first image or document prepared
(in a worker thread) imports them.
"""

from __future__ import annotations

from desktop.core.ports import DocumentPreparer, ImagePreparer, PreparedDocument, PreparedImage


class LazyImagePreparer:
    """The Pillow preparer, imported on first use."""

    def __init__(self) -> None:
        self._real: ImagePreparer | None = None

    def _preparer(self) -> ImagePreparer:
        if self._real is None:
            from desktop.media.images import PillowImagePreparer

            self._real = PillowImagePreparer()
        return self._real

    def prepare(self, data: bytes, name: str, long_edge: int) -> PreparedImage:
        return self._preparer().prepare(data, name, long_edge)

    def prepare_file(self, path: str, long_edge: int) -> PreparedImage:
        return self._preparer().prepare_file(path, long_edge)

    def thumbnail(self, data: bytes, size: int) -> bytes:
        return self._preparer().thumbnail(data, size)


class LazyDocumentPreparer:
    """The pypdf preparer, imported on first use."""

    def __init__(self) -> None:
        self._real: DocumentPreparer | None = None

    def _preparer(self) -> DocumentPreparer:
        if self._real is None:
            from desktop.media.documents import PypdfDocumentPreparer

            self._real = PypdfDocumentPreparer()
        return self._real

    def prepare_file(self, path: str) -> PreparedDocument:
        return self._preparer().prepare_file(path)

    def prepare_text(self, name: str, text: str) -> PreparedDocument:
        return self._preparer().prepare_text(name, text)
