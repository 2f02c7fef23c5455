"""The image and document preparers of desktop.media, imported on first use.

Pillow, pypdf and hashlib stay off the first paint; the first image or document prepared
(in a worker thread) imports them.
"""

from __future__ import annotations

from functools import cached_property

from desktop.core.ports import DocumentPreparer, ImagePreparer, PreparedDocument, PreparedImage


class LazyImagePreparer:
    """The Pillow preparer, imported on first use."""

    @cached_property
    def _preparer(self) -> ImagePreparer:
        from desktop.media.images import PillowImagePreparer

        return PillowImagePreparer()

    def prepare(self, data: bytes, name: str, long_edge: int) -> PreparedImage:
        return self._preparer.prepare(data, name, long_edge)

    def prepare_file(self, path: str, long_edge: int) -> PreparedImage:
        return self._preparer.prepare_file(path, long_edge)

    def thumbnail(self, data: bytes, size: int) -> bytes:
        return self._preparer.thumbnail(data, size)


class LazyDocumentPreparer:
    """The pypdf preparer, imported on first use."""

    @cached_property
    def _preparer(self) -> DocumentPreparer:
        from desktop.media.documents import PypdfDocumentPreparer

        return PypdfDocumentPreparer()

    def prepare_file(self, path: str) -> PreparedDocument:
        return self._preparer.prepare_file(path)

    def prepare_text(self, name: str, text: str) -> PreparedDocument:
        return self._preparer.prepare_text(name, text)
