"""Sidebar search: the query runs in a worker thread, never on the UI thread, and its results
come a page at a time as the list scrolls, like the plain list."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from desktop.core.conversation import ConversationSettings, Message, Role
from desktop.storage.database import SqliteConversationStore
from desktop.ui.shell.sidebar import PAGE_SIZE
from tests.gui.conftest import Desk, build_desk

CONVERSATIONS = 330  # two in three match: two whole pages of results and a bit


def fill(store: SqliteConversationStore) -> list[int]:
    """Conversations about pelicans (by title, or by an answer) and others; returns the ids
    of the matching ones, newest first."""
    matching = []
    for number in range(CONVERSATIONS):
        conv = store.create_conversation(ConversationSettings())
        title = f"Pelican notes {number}" if number % 3 == 0 else f"Other {number}"
        store.rename_conversation(conv.id, title)
        text = "Pelicans fly in lines." if number % 3 == 1 else "Tea is green."
        store.add_message(Message(conv.id, Role.ASSISTANT, [{"type": "text", "text": text}]))
        if number % 3 != 2:
            matching.append(conv.id)
    assert 2 * PAGE_SIZE < len(matching) < 3 * PAGE_SIZE
    return matching[::-1]


class Recorder:
    """The store's search, noting the thread and the page asked for each time."""

    def __init__(self) -> None:
        self.store: SqliteConversationStore | None = None
        self.calls: list[tuple[str, int, int | None]] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, query: str, limit: int, after: Any) -> list:
        self.threads.append(threading.current_thread())
        self.calls.append((query, limit, after.id if after else None))
        assert self.store is not None
        return self.store.search_conversations(query, limit, after)


@pytest.fixture
def searching(aloop, fake_api, qtbot) -> Iterator[tuple[Desk, Recorder, list[int]]]:
    recorder = Recorder()
    desk = build_desk(aloop, fake_api.base_url, qtbot, search=recorder)
    recorder.store = desk.store
    matching = fill(desk.store)
    desk.window.refresh_conversations()
    yield desk, recorder, matching
    aloop.run_until_complete(desk.controller.tasks.drain())
    aloop.run_until_complete(desk.backend.aclose())
    desk.store.close()


def shown_ids(desk: Desk) -> list[int]:
    model = desk.window.sidebar.model
    return [model.conversation_at(row).id for row in range(model.rowCount())]


def test_search_runs_in_a_worker_and_pages_like_the_list(searching, qtbot) -> None:
    desk, recorder, matching = searching
    sidebar = desk.window.sidebar
    model = sidebar.model
    before = shown_ids(desk)
    qtbot.keyClicks(sidebar.search_box, "pelican")
    sidebar._search_timer.timeout.emit()  # the pause after typing, now
    # The UI thread only started the search: nothing was read on it, the list is unchanged.
    assert threading.main_thread() not in recorder.threads
    assert shown_ids(desk) == before

    desk.until(lambda: shown_ids(desk) == matching[:PAGE_SIZE])  # the results came
    assert recorder.calls[0] == ("pelican", PAGE_SIZE, None)
    assert shown_ids(desk) == matching[:PAGE_SIZE]
    assert model.canFetchMore()

    sidebar.view.scrollToBottom()  # as a person scrolls, the list asks for the next page
    model.fetchMore()  # (what the view does at the end; asking again while waiting is a no-op)
    model.fetchMore()
    desk.until(lambda: model.rowCount() == 2 * PAGE_SIZE)
    sidebar.view.scrollToBottom()
    model.fetchMore()
    desk.until(lambda: model.rowCount() == len(matching))
    assert not model.canFetchMore()  # the last page was short: no more
    assert shown_ids(desk) == matching
    pages = [after for _query, _limit, after in recorder.calls if after is not None]
    assert pages == [matching[PAGE_SIZE - 1], matching[2 * PAGE_SIZE - 1]]
    assert threading.main_thread() not in recorder.threads

    sidebar.search_box.clear()
    sidebar._search_timer.timeout.emit()
    newest = list(range(CONVERSATIONS, CONVERSATIONS - len(matching), -1))
    assert shown_ids(desk) == newest  # the plain list again, as many rows as were shown
