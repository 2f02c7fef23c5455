"""Find things from the sidebar, as a person does: type in the search box and read the
results' snippets, click one and land on the matching message with its words highlighted,
right-click a conversation › Pin (and Unpin) to keep it at the top."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from desktop.core.conversation import ConversationSettings, Message, Role
from desktop.core.search import ConversationHit, plain_snippet
from desktop.storage.database import SqliteConversationStore
from desktop.ui.chat.controller import PAGE_SIZE as CHAT_PAGE
from desktop.ui.shell.sidebar import ConversationRole
from tests.gui.conftest import Desk, build_desk

LONG = 3 * CHAT_PAGE + 5  # the match sits on the third page up from the newest message
MATCH_AT = 10


def say(store: SqliteConversationStore, conversation_id: int, role: Role, text: str) -> int:
    message = store.add_message(Message(conversation_id, role, [{"type": "text", "text": text}]))
    assert message.id is not None
    return message.id


def fill(store: SqliteConversationStore) -> dict[str, int]:
    """A long conversation about birds whose one pelican message is pages up, a short one
    that mentions pelicans last, and one about tea; returns ids by name."""
    ids: dict[str, int] = {}
    birds = store.create_conversation(ConversationSettings())
    store.rename_conversation(birds.id, "Birds")
    for number in range(LONG):
        role = Role.USER if number % 2 == 0 else Role.ASSISTANT
        text = f"Note {number} about herons and tea.\n\n" + "More words here. " * 20
        if number == MATCH_AT:
            text = "Some words first.\n\n" * 8 + "Brown pelicans dive for fish; a pelican eats."
            ids["match"] = say(store, birds.id, role, text)
        else:
            say(store, birds.id, role, text)
    ids["birds"] = birds.id
    for name, text in (("short", "One pelican here."), ("tea", "Green tea only.")):
        conv = store.create_conversation(ConversationSettings())
        store.rename_conversation(conv.id, name.title())
        say(store, conv.id, Role.USER, text)
        ids[name] = conv.id
    return ids


@pytest.fixture
def finding(aloop, fake_api, qtbot) -> Iterator[tuple[Desk, dict[str, int]]]:
    holder: dict[str, SqliteConversationStore] = {}
    search = lambda query, limit, after: holder["store"].search_conversations(query, limit, after)  # noqa: E731
    desk = build_desk(aloop, fake_api.base_url, qtbot, search=search)
    holder["store"] = desk.store
    ids = fill(desk.store)
    desk.window.refresh_conversations()
    desk.until(lambda: hasattr(desk.window, "search_jump"))  # set up after the first paint
    yield desk, ids
    aloop.run_until_complete(desk.controller.tasks.drain())
    aloop.run_until_complete(desk.backend.aclose())
    desk.store.close()


def rows(desk: Desk) -> list:
    model = desk.window.sidebar.model
    return [model.conversation_at(row) for row in range(model.rowCount())]


def search(desk: Desk, qtbot, text: str) -> None:
    box = desk.window.sidebar.search_box
    box.clear()
    qtbot.keyClicks(box, text)
    desk.until(lambda: rows(desk) and all(isinstance(c, ConversationHit) for c in rows(desk)))


def click_row(desk: Desk, qtbot, conversation_id: int, button=Qt.MouseButton.LeftButton) -> None:
    sidebar = desk.window.sidebar
    index = sidebar.model.index(sidebar.model.row_of(conversation_id))
    centre = sidebar.view.visualRect(index).center()
    qtbot.mouseClick(sidebar.view.viewport(), button, pos=centre)


def highlighted(desk: Desk, message_id: int) -> list[str]:
    widget = desk.window.chat_view.message_widget(message_id)
    assert widget is not None
    return [s.cursor.selectedText() for s in widget.body.extraSelections()]


def test_results_show_a_snippet_of_the_match_with_the_words_bold(finding, qtbot) -> None:
    desk, ids = finding
    view = desk.window.sidebar.view
    one_line = view.sizeHintForRow(0)

    search(desk, qtbot, "pelican")

    found = rows(desk)
    assert [c.id for c in found] == [ids["short"], ids["birds"]]  # newest first
    birds = found[1]
    assert birds.message_id == ids["match"]
    assert plain_snippet(birds.snippet).endswith("Brown pelicans dive for fish; a pelican eats.")
    assert "\x02pelicans\x03" in birds.snippet and "\x02pelican\x03" in birds.snippet
    index = desk.window.sidebar.model.index(1)
    assert "Brown pelicans dive" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert view.sizeHintForRow(0) > one_line * 1.6  # title and snippet: two lines
    assert not view.grab().isNull()  # the rows paint (title, snippet, bold words)


def test_opening_a_result_scrolls_to_the_match_pages_up_and_highlights_it(finding, qtbot) -> None:
    desk, ids = finding
    chat = desk.window.chat_view
    search(desk, qtbot, "pelican")

    click_row(desk, qtbot, ids["birds"])

    # The match is three pages up: the chat reads earlier pages until it is shown.
    desk.until(lambda: desk.window.search_jump.marked_id == ids["match"])
    assert desk.controller.conversation is not None
    assert desk.controller.conversation.id == ids["birds"]
    words = highlighted(desk, ids["match"])
    assert sorted(w.casefold() for w in words) == ["pelican", "pelicans"]
    widget = chat.message_widget(ids["match"])
    assert widget is not None
    top = chat.verticalScrollBar().value()
    assert top < widget.y() + widget.height() and widget.y() < top + chat.viewport().height()
    assert not chat.earlier_button.isHidden()  # not everything was read: only what was needed

    # The next search clears the highlight.
    search(desk, qtbot, "herons")
    desk.until(lambda: highlighted(desk, ids["match"]) == [])
    assert desk.window.search_jump.marked_id is None


def test_the_highlight_goes_when_another_conversation_opens(finding, qtbot) -> None:
    desk, ids = finding
    search(desk, qtbot, "pelican")
    click_row(desk, qtbot, ids["short"])
    desk.until(lambda: desk.window.search_jump.marked_id is not None)
    short_message = desk.window.search_jump.marked_id
    assert highlighted(desk, short_message) == ["pelican"]

    desk.window.sidebar.search_box.clear()  # the plain list again: open the tea one
    desk.until(lambda: len(rows(desk)) == 3 and not isinstance(rows(desk)[0], ConversationHit))
    click_row(desk, qtbot, ids["tea"])

    desk.until(
        lambda: desk.controller.conversation and desk.controller.conversation.id == ids["tea"]
    )
    assert desk.window.search_jump.marked_id is None


def right_click(desk: Desk, qtbot, conversation_id: int) -> None:
    """A right-click on the row: the press, and the context menu event the platform sends
    with it (QTest's synthetic clicks come without one)."""
    sidebar = desk.window.sidebar
    viewport = sidebar.view.viewport()
    index = sidebar.model.index(sidebar.model.row_of(conversation_id))
    centre = sidebar.view.visualRect(index).center()
    qtbot.mouseClick(viewport, Qt.MouseButton.RightButton, pos=centre)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, centre, viewport.mapToGlobal(centre))
    QApplication.sendEvent(viewport, event)


def pin_by_menu(desk: Desk, qtbot, conversation_id: int, action_text: str) -> None:
    sidebar = desk.window.sidebar
    right_click(desk, qtbot, conversation_id)
    qtbot.waitUntil(lambda: sidebar.menu is not None and sidebar.menu.isVisible())
    menu = sidebar.menu
    action = next(a for a in menu.actions() if a.text() == action_text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def test_right_click_pin_keeps_a_conversation_on_top_and_unpin_puts_it_back(finding, qtbot):
    desk, ids = finding
    assert [c.id for c in rows(desk)] == [ids["tea"], ids["short"], ids["birds"]]

    pin_by_menu(desk, qtbot, ids["birds"], "Pin")

    desk.until(lambda: rows(desk)[0].id == ids["birds"])
    assert [c.id for c in rows(desk)] == [ids["birds"], ids["tea"], ids["short"]]
    assert rows(desk)[0].pinned and not rows(desk)[1].pinned
    assert [c.id for c in desk.store.list_conversations() if c.pinned] == [ids["birds"]]
    index = desk.window.sidebar.model.index(0)
    assert "Pinned" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert not desk.window.sidebar.view.grab().isNull()  # the pin mark paints

    search(desk, qtbot, "pelican")  # pinned first in search results too
    assert [c.id for c in rows(desk)] == [ids["birds"], ids["short"]]

    desk.window.sidebar.search_box.clear()
    desk.until(lambda: not isinstance(rows(desk)[0], ConversationHit))
    pin_by_menu(desk, qtbot, ids["birds"], "Unpin")
    desk.until(lambda: [c.id for c in rows(desk)] == [ids["tea"], ids["short"], ids["birds"]])
    assert not any(c.pinned for c in desk.store.list_conversations())


def test_pinned_first_survives_paging_the_list(finding, qtbot) -> None:
    desk, ids = finding
    from desktop.ui.shell.sidebar import PAGE_SIZE

    for number in range(PAGE_SIZE + 20):
        conv = desk.store.create_conversation(ConversationSettings())
        desk.store.rename_conversation(conv.id, f"Filler {number}")
    desk.store.set_pinned(ids["birds"], True)
    desk.window.refresh_conversations()
    model = desk.window.sidebar.model
    assert model.rowCount() == PAGE_SIZE and model.canFetchMore()

    desk.window.sidebar.view.scrollToBottom()
    model.fetchMore()

    listed = [model.index(r).data(ConversationRole).id for r in range(model.rowCount())]
    assert listed == [c.id for c in desk.store.list_conversations()]
    assert listed[0] == ids["birds"] and len(set(listed)) == len(listed)


def test_keyboard_search_then_enter_opens_the_result_at_its_match(finding, qtbot) -> None:
    desk, ids = finding
    window = desk.window
    qtbot.keyClick(window.chat_view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.sidebar.search_box.hasFocus)
    search(desk, qtbot, "dive")
    assert [c.id for c in rows(desk)] == [ids["birds"]]
    view = window.sidebar.view
    view.setFocus()
    view.setCurrentIndex(window.sidebar.model.index(0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    desk.until(lambda: window.search_jump.marked_id == ids["match"])
    assert highlighted(desk, ids["match"]) == ["dive"]
