"""Every background task has an owner: a registry that starts, replaces and cancels tasks by group.

State is reported from the task's done-callback, so a task cancelled before it ever ran still
reports (after Textual's worker manager).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # asyncio (~40 ms to import) loads after the window's first paint
    import asyncio

log = logging.getLogger(__name__)

DoneCallback = Callable[["asyncio.Task[Any]"], None]


class TaskRegistry:
    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def start(
        self,
        group: str,
        coro: Coroutine[Any, Any, Any],
        on_done: DoneCallback | None = None,
    ) -> asyncio.Task[Any]:
        """Run `coro` as the task of `group`, cancelling the group's previous task."""
        import asyncio

        self.cancel(group)
        task = asyncio.ensure_future(coro)
        self._tasks[group] = task

        def _finished(done: asyncio.Task[Any]) -> None:
            if self._tasks.get(group) is done:
                del self._tasks[group]
            if on_done is not None:
                on_done(done)
            elif not done.cancelled() and done.exception() is not None:
                log.error("background task %s failed", group, exc_info=done.exception())

        task.add_done_callback(_finished)
        return task

    def running(self, group: str) -> bool:
        task = self._tasks.get(group)
        return task is not None and not task.done()

    def cancel(self, group: str) -> bool:
        task = self._tasks.get(group)
        if task is None or task.done():
            return False
        task.cancel()
        return True

    def cancel_prefix(self, prefix: str) -> None:
        for group in [g for g in self._tasks if g.startswith(prefix)]:
            self.cancel(group)

    def cancel_all(self) -> None:
        for group in list(self._tasks):
            self.cancel(group)

    async def drain(self, timeout: float = 2.0) -> None:
        """Cancel everything and wait (briefly) until the tasks have finished."""
        import asyncio

        tasks = [t for t in self._tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
