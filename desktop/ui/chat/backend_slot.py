"""Where the chat finds the Claude API: empty while the app starts (the SDK loads after the
first paint), then the backend; a message sent meanwhile waits for it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from desktop.core.errors import DeskError

if TYPE_CHECKING:
    import asyncio

    from desktop.core.catalog import Catalog
    from desktop.core.ports import ChatBackend

log = logging.getLogger(__name__)


class BackendSlot:
    def __init__(self, backend: ChatBackend | None = None) -> None:
        self.current = backend
        self._ready: asyncio.Event | None = None  # made on first use, in the loop

    def set(self, backend: ChatBackend) -> None:
        self.current = backend
        if self._ready is not None:
            self._ready.set()

    async def ready(self) -> ChatBackend:
        """The backend, waiting for it while the app is still starting."""
        import asyncio

        if self.current is None:
            if self._ready is None:
                self._ready = asyncio.Event()
            await self._ready.wait()
        assert self.current is not None
        return self.current

    async def with_account_models(self, catalog: Catalog) -> Catalog | None:
        """`catalog` with the account's models it does not know; None when they cannot be
        listed now (no backend yet, offline, ...)."""
        if self.current is None:
            return None
        try:
            remote = await self.current.list_models()
        except DeskError as exc:
            log.info("models list unavailable: %s", exc.message)
            return None
        return catalog.with_account_models(remote)
