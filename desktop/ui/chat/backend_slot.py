"""Where the chat finds the Claude API: empty while the app starts (the SDK loads after the
first paint), then the backend; a message sent meanwhile waits for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    from desktop.core.ports import ChatBackend


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
