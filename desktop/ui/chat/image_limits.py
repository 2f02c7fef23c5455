"""The open conversation's image rules: the long edge pending images are prepared to, and the
model's limits checked before sending (counting the images already in the history)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core.errors import StorageError
from desktop.core.images import ImageFacts, check_request, facts_from_block, request_long_edge

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.core.catalog import ModelSpec
    from desktop.ui.attachments.pending import PendingImages
    from desktop.ui.chat.history import OpenHistory

WAIT_FOR_IMAGES = "Images are still being prepared; send again in a moment."


class ImageLimits:
    def __init__(
        self, pending: PendingImages, history: OpenHistory, spec: Callable[[], ModelSpec]
    ) -> None:
        self._pending = pending
        self._history = history
        self._spec = spec
        self._cache: tuple[int, list[ImageFacts]] | None = None  # by history version

    def update_long_edge(self, *_args: object) -> None:
        """Pending images are prepared for the open conversation's model."""
        if not self._history.is_loaded:
            return  # called again when the history has been read
        count = len(self._pending.items) + len(self.history_images())
        self._pending.set_long_edge(request_long_edge(self._spec(), count))

    def history_images(self) -> list[ImageFacts]:
        """Images already in the open conversation; found once per change of the history."""
        try:
            history = self._history.messages()
        except StorageError:
            return []
        cached = self._cache
        if cached is not None and cached[0] == self._history.version:
            return cached[1]
        facts = [f for m in history for b in m.content if (f := facts_from_block(b)) is not None]
        self._cache = (self._history.version, facts)
        return facts

    def problem(self) -> str | None:
        """Why the pending images cannot be sent now (None: they can)."""
        if self._pending.preparing:
            return WAIT_FOR_IMAGES
        facts = self.history_images() + [image.facts for image in self._pending.ready()]
        if not facts:
            return None
        return " ".join(check_request(facts, self._spec())) or None
