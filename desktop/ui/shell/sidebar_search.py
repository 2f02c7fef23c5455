"""The sidebar's search: run in a worker thread, its results a page at a time.

A common word over a long history takes a while to look up (and the old way listed every
conversation on the UI thread: 200+ ms with 20,000 of them); here the store's query runs in a
worker and only a page of results lands on the UI thread, the next page when the list is
scrolled to its end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from desktop.core.conversation import Conversation

if TYPE_CHECKING:
    from desktop.ui.common.tasks import TaskRegistry
    from desktop.ui.shell.sidebar import Sidebar

SearchFunc = Callable[[str, int, "Conversation | None"], Sequence[Conversation]]
"""Conversations matching a query: at most `limit` of them, after the given one (a page);
`ConversationHit`s carry the matching message and a snippet. Runs in a worker thread."""
SEARCH_GROUP = "sidebar-search"


class SidebarSearch:
    """Shows `search`'s results in `sidebar`; `failed` gets a message when the store fails."""

    def __init__(
        self,
        sidebar: Sidebar,
        tasks: TaskRegistry,
        search: SearchFunc,
        current_id: Callable[[], int | None],
        failed: Callable[[str], None],
    ) -> None:
        self._sidebar = sidebar
        self._tasks = tasks
        self._search = search
        self._current_id = current_id
        self._failed = failed
        self._query = ""

    def show(self, query: str, limit: int) -> None:
        """The first `limit` results for `query`, when they come (a newer call wins)."""
        self._query = query
        self._start(limit, None)

    def cancel(self) -> None:
        """No search any more (the box was cleared): a running one shows nothing."""
        self._query = ""
        self._tasks.cancel(SEARCH_GROUP)

    def _start(self, limit: int, after: Conversation | None) -> None:
        import asyncio

        from desktop.ui.common.gil import run_ui_first

        query = self._query
        work = asyncio.to_thread(run_ui_first, self._search, query, limit, after)
        done = lambda task: self._on_task_done(task, query, limit, after)  # noqa: E731
        self._tasks.start(SEARCH_GROUP, work, done)

    def _request_page(self, last: Conversation, limit: int) -> None:
        self._start(limit, last)

    def _on_task_done(self, task: Any, query: str, limit: int, after: Conversation | None) -> None:
        if task.cancelled() or query != self._query:
            return
        if (error := task.exception()) is not None:
            self._failed(getattr(error, "message", str(error)))
            return
        found: list[Conversation] = list(task.result())
        more = self._request_page if len(found) == limit else None
        if after is not None:
            self._sidebar.model.append_page(found, more is not None)
        else:
            self._sidebar.set_conversations(found, self._current_id(), None, more)
