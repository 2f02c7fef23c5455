"""BackgroundLoop: work on a second loop, results and errors back, cancellation waits for the end."""

from __future__ import annotations

import asyncio
import threading

import pytest

from desktop.api.background import BackgroundLoop


def test_result_error_and_cancellation() -> None:
    background = BackgroundLoop("test-background")
    events: list[str] = []

    async def where() -> str:
        return threading.current_thread().name

    async def fails() -> None:
        raise ValueError("bad request")

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            await asyncio.sleep(0.05)  # closing a connection takes a moment
            events.append("cleaned up")
            raise

    async def main() -> None:
        assert await background.run(where) == "test-background"
        with pytest.raises(ValueError, match="bad request"):
            await background.run(fails)
        task = asyncio.ensure_future(background.run(slow))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        events.append("caller done")

    asyncio.run(main())
    assert events == ["cleaned up", "caller done"]  # the caller ended after the work had ended
    background.close()
    background.close()  # twice is fine
    assert asyncio.run(background.run(where)) == "test-background"  # starts again
    background.close()
