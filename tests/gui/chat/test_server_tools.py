"""Server tools in the chat: switched on from the composer's Tools menu, declared in the
request, shown while streaming ("Searching: …"), then as sources with citation markers and
the search's cost in the footer; all of it again after reopening."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu

from desktop.core.server_tools import WEB_SEARCH_LATEST
from desktop.ui.chat.tool_blocks import ToolActivity, tool_activity
from tests.fake_api import Cited, Fetch, RunCode, Search, ToolReply
from tests.gui.conftest import Desk

SOURCES = [
    ("Eclipse safety | Example Observatory", "https://www.example.com/eclipse-safety", "1 day"),
    ("Eclipses in 2026 | Example News", "https://news.example.org/eclipses-2026", "1 week"),
]
REPLY = ToolReply(
    steps=[Search("eclipse safety 2026", SOURCES)],
    answer=[
        "Here is what I found. ",
        Cited("Never look at the Sun directly", SOURCES[0][1], SOURCES[0][0], "never safe"),
        " and ",
        Cited("August brings a total eclipse", SOURCES[1][1], SOURCES[1][0], "total in August"),
        ".",
    ],
    delay=0.01,
)


def _click_menu_action(qtbot, desk: Desk, label: str) -> None:
    """Click the Tools button, then the menu's `label` item, as a person would."""
    button = desk.window.composer_row.tools_button
    clicked: list[bool] = []

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, pick)
            return
        action = next(a for a in menu.actions() if a.text() == label)
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
        clicked.append(True)

    QTimer.singleShot(20, pick)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    desk.until(lambda: clicked, timeout=5)


def _rows_text(activity: ToolActivity) -> list[str]:
    return [row.toggle.text() for row in activity.rows.values()]


def test_web_search_from_the_tools_menu_to_sources_and_markers(desk: Desk, qtbot, fake_api) -> None:
    _click_menu_action(qtbot, desk, "Web search")
    assert desk.controller.settings.tools.web_search
    assert desk.window.composer_row.tools_button.text() == "Tools (1)"
    fake_api.enqueue(REPLY)
    qtbot.keyClicks(desk.window.composer, "Is it safe to watch an eclipse?")
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)

    seen: list[str] = []

    def on_tool(_message_id: int, _block: object) -> None:  # after the view has shown it
        answer = desk.last_answer()
        activity = tool_activity(answer) if answer is not None else None
        if activity is not None:
            seen.extend(_rows_text(activity))

    desk.controller.stream_tool.connect(on_tool)
    desk.until(lambda: desk.idle() and desk.last_answer() is not None, timeout=30)
    assert "Searching: eclipse safety 2026 …" in seen  # shown before its result came
    tools = fake_api.requested_tools()[-1]
    assert [t["type"] for t in tools] == [WEB_SEARCH_LATEST]
    _check_answer(desk)

    conversation = desk.controller.conversation
    desk.controller.new_conversation()
    desk.controller.open_conversation(conversation)
    desk.shown(2)
    _check_answer(desk)
    assert desk.window.composer_row.tools_button.text() == "Tools (1)"


def _check_answer(desk: Desk) -> None:
    answer = desk.last_answer()
    activity = tool_activity(answer)
    assert activity is not None
    (row,) = activity.rows.values()
    assert row.toggle.text() == "▸ Searched: eclipse safety 2026 — 2 sources"
    row.toggle.click()
    assert row.details.isVisible() or not answer.isVisible()
    assert SOURCES[0][1] in row.details.text() and SOURCES[1][0] in row.details.text()
    row.toggle.click()
    html = answer.body.toHtml()
    assert "[1]" in answer.body.toPlainText() and "[2]" in answer.body.toPlainText()
    assert SOURCES[0][1] in html and SOURCES[1][1] in html
    assert "1 search ($0.0100)" in answer.footer.text()


def test_fetch_and_code_results_collapse_to_page_and_output(desk: Desk, qtbot, fake_api) -> None:
    _click_menu_action(qtbot, desk, "Web fetch")
    _click_menu_action(qtbot, desk, "Code execution")
    fake_api.enqueue(
        ToolReply(
            steps=[
                Fetch("https://docs.example.com/page", "The Example Page", "Body text."),
                RunCode("python3 -c 'print(6*7)'", stdout="42\n", stderr="warn\n", return_code=0),
            ],
            answer=["The page says hello and 6×7 is 42."],
        )
    )
    qtbot.keyClicks(desk.window.composer, "Read https://docs.example.com/page")
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)
    desk.until(lambda: desk.idle() and desk.last_answer() is not None, timeout=30)
    activity = tool_activity(desk.last_answer())
    assert activity is not None
    fetch_row, code_row = activity.rows.values()
    assert fetch_row.toggle.text() == "▸ Read: https://docs.example.com/page — The Example Page"
    assert code_row.toggle.text() == "▸ Ran code: python3 -c 'print(6*7)' — return code 0"
    assert "42" in code_row.details.text() and "warn" in code_row.details.text()
    # code execution is not declared beside the web tools that already run it
    assert [t["name"] for t in fake_api.requested_tools()[-1]] == ["web_fetch"]
    assert "1 fetch" in desk.last_answer().footer.text()


def test_settings_panel_sets_search_options_sent_with_the_request(
    desk: Desk, qtbot, fake_api
) -> None:
    window = desk.window
    window.settings_button.setChecked(True)
    panel = window.settings_panel
    tools = panel.tools
    qtbot.mouseClick(tools.web_search, Qt.MouseButton.LeftButton, pos=QPoint(4, 4))
    tools.search_max.setValue(3)
    tools.search_allowed.setFocus()
    qtbot.keyClicks(tools.search_allowed, "https://Example.com/, docs.python.org")
    qtbot.keyClick(tools.search_allowed, Qt.Key.Key_Return)  # editing finished
    qtbot.keyClicks(tools.location["city"], "Lyon")
    qtbot.keyClick(tools.location["city"], Qt.Key.Key_Return)
    settings = desk.controller.settings.tools
    assert settings.web_search and settings.search_max_uses == 3
    assert settings.search_allowed_domains == ["example.com", "docs.python.org"]
    assert window.composer_row.tools_button.text() == "Tools (1)"  # the menu follows
    fake_api.enqueue(REPLY)
    qtbot.keyClicks(window.composer, "Search, please")
    qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    desk.until(lambda: desk.idle() and desk.last_answer() is not None, timeout=30)
    (search,) = fake_api.requested_tools()[-1]
    assert search["max_uses"] == 3
    assert search["allowed_domains"] == ["example.com", "docs.python.org"]
    assert search["user_location"] == {"type": "approximate", "city": "Lyon"}
    qtbot.keyClicks(tools.search_blocked, "spam.example")
    qtbot.keyClick(tools.search_blocked, Qt.Key.Key_Return)
    assert "not both" in tools.note.text()  # said, and only the allowed ones are sent
