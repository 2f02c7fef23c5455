"""A second asyncio loop in a daemon thread, for work that should not run on the UI thread: SDK
calls (building the request, parsing the answer: 5-30 ms per call on a busy machine) in
`desktop.api`, the MCP servers' sessions in `desktop.mcp_host`.

The caller awaits `BackgroundLoop.run` on the app's loop; cancelling the caller cancels the work
on the background loop and waits until it has ended, so its connection is closed when `run`
returns (a superseded token count is gone before the next one is sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class BackgroundLoop:
    """Starts its thread on first use; `close()` stops it (a later `run` starts a new one)."""

    def __init__(self, name: str = "api-background") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    async def run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """The result of the coroutine `make()`, run on the background loop."""
        loop = self.loop
        main = asyncio.get_running_loop()
        done: asyncio.Future[T] = main.create_future()
        started: list[asyncio.Task[T]] = []

        def start() -> None:  # on the background loop
            task = loop.create_task(make())
            started.append(task)
            task.add_done_callback(lambda t: _report(main, done, t))

        loop.call_soon_threadsafe(start)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            if not done.done():  # the caller was cancelled (else `close()` cancelled the work)
                # `start` was queued first, so the task exists when this runs.
                loop.call_soon_threadsafe(lambda: started[0].cancel())
                await asyncio.wait([done])
            raise

    def close(self) -> None:
        """Stop the loop and its thread; work still running is cancelled and let end first
        (its callers end cancelled), so no task or coroutine is dropped half-started."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(_finish(loop), loop)
        thread.join(timeout=2)
        if not thread.is_alive():
            loop.close()


async def _finish(loop: asyncio.AbstractEventLoop) -> None:
    """On the background loop: cancel the tasks still running, wait for them, then stop."""
    tasks = [t for t in asyncio.all_tasks(loop) if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    loop.stop()


def _report(
    main: asyncio.AbstractEventLoop, done: asyncio.Future[Any], task: asyncio.Task[Any]
) -> None:
    """In the background thread: hand the task's outcome to the caller's loop."""
    with contextlib.suppress(RuntimeError):  # the app's loop closed meanwhile
        main.call_soon_threadsafe(_settle, done, task)


def _settle(done: asyncio.Future[Any], task: asyncio.Task[Any]) -> None:
    if done.done():
        return
    if task.cancelled():
        done.cancel()
    elif (error := task.exception()) is not None:
        done.set_exception(error)
    else:
        done.set_result(task.result())
