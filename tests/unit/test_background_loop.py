"""BackgroundLoop: work on a second loop, results and errors back, cancellation waits for the end."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import Callable

import pytest

from desktop.background import BackgroundLoop


async def until(condition: Callable[[], object]) -> None:
    """Wait for the background thread to get somewhere (pytest-timeout caps a hang)."""
    while not condition():
        await asyncio.sleep(0.001)


def test_result_error_and_cancellation() -> None:
    background = BackgroundLoop("test-background")
    events: list[str] = []
    started = threading.Event()

    async def where() -> str:
        return threading.current_thread().name

    async def fails() -> None:
        raise ValueError("bad request")

    async def slow() -> None:
        started.set()
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
        await until(started.is_set)
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


def test_close_cancels_work_still_running_and_its_callers_end() -> None:
    """Closing (the backend's `aclose`) while a count runs, or has only just been sent to the
    background loop, must not drop a half-started coroutine nor leave its caller waiting."""
    background = BackgroundLoop("test-background")
    events: list[str] = []

    async def slow() -> None:
        events.append("started")
        try:
            await asyncio.sleep(10)
        finally:
            events.append("cleaned up")

    async def main() -> None:
        running = asyncio.ensure_future(background.run(slow))
        await until(lambda: "started" in events)
        just_sent = asyncio.ensure_future(background.run(slow))
        await asyncio.sleep(0)  # its start is queued on the background loop
        background.close()
        for caller in (running, just_sent):
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(caller, timeout=30)  # a cap, not a measure
        events.append("callers done")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        gc.collect()
    assert events[-1] == "callers done"  # after the work had ended, however far it got
    assert events.count("cleaned up") == events.count("started") >= 1
    assert [str(w.message) for w in caught] == []
