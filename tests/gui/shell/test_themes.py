"""Themes: View › Theme switches every surface, the system mode follows Qt's color scheme."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette, QTextCursor
from PySide6.QtWidgets import QApplication

from desktop.core.palettes import DARK, LIGHT
from desktop.ui.common.theme_state import current
from desktop.ui.shell.theme import ThemeController, ThemeMode, apply_theme
from tests.fake_api.script import TextReply
from tests.gui.conftest import Desk

ANSWER = "Here:\n\n```python\ndef f(x):\n    return x  # same\n```\n\n> quoted\n\nDone.\n"


@pytest.fixture
def themes(qapp: QApplication) -> Iterator[ThemeController]:
    """The app's theme controller, in light mode; the app's look restored afterwards."""
    sheet, palette = qapp.styleSheet(), QPalette(qapp.palette())
    controller = apply_theme(qapp, mode=ThemeMode.LIGHT)
    yield controller
    controller.set_mode(ThemeMode.LIGHT)
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)


def send(desk: Desk, qtbot, text: str) -> None:
    qtbot.keyClicks(desk.window.composer, text)
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)


def theme_action(desk: Desk, mode: str):
    menu = next(
        a.menu() for a in desk.window.menuBar().actions() if a.text().replace("&", "") == "View"
    )
    theme_menu = next(a.menu() for a in menu.actions() if a.text().replace("&", "") == "Theme")
    return next(a for a in theme_menu.actions() if a.objectName() == f"theme_{mode}_action")


def chat_background(desk: Desk) -> QColor:
    view = desk.window.chat_view
    image = desk.window.grab().toImage()
    corner = view.mapTo(desk.window, QPoint(view.width() - 30, view.height() - 5))
    return image.pixelColor(corner)


def code_background(desk: Desk) -> str:
    document = desk.last_answer().body.document()
    found = document.find("def f(x):")
    assert not found.isNull(), document.toPlainText()
    return found.blockFormat().background().color().name()


def test_view_menu_switches_every_surface(
    themes: ThemeController, desk: Desk, qtbot, fake_api
) -> None:
    fake_api.enqueue(TextReply(ANSWER))
    send(desk, qtbot, "Show me")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    body = desk.last_answer().body
    desk.until(lambda: body.up_to_date)
    assert theme_action(desk, "light").isChecked()
    light_bg, light_text = chat_background(desk), body.palette().color(QPalette.ColorRole.Text)
    assert light_bg == QColor(LIGHT.window)
    assert code_background(desk) == LIGHT.code_bg

    theme_action(desk, "dark").trigger()
    desk.until(lambda: body.up_to_date)

    assert theme_action(desk, "dark").isChecked() and not theme_action(desk, "light").isChecked()
    assert themes.mode is ThemeMode.DARK and current() is DARK
    assert chat_background(desk) == QColor(DARK.window) != light_bg
    dark_text = body.palette().color(QPalette.ColorRole.Text)
    assert dark_text == QColor(DARK.text) != light_text
    assert code_background(desk) == DARK.code_bg  # the answer was rendered again
    assert body.markdown_text() == ANSWER.rstrip("\n") or body.markdown_text() == ANSWER
    assert "Done." in body.toPlainText() and body.toPlainText().count("def f(x):") == 1
    assert desk.window.composer.palette().color(QPalette.ColorRole.Base) == QColor(DARK.surface)

    theme_action(desk, "light").trigger()
    desk.until(lambda: body.up_to_date)
    assert chat_background(desk) == light_bg and code_background(desk) == LIGHT.code_bg


def test_a_streaming_answer_is_rendered_again_whole(themes: ThemeController, qtbot) -> None:
    from desktop.ui.chat.message_body import MessageBody

    body = MessageBody()
    qtbot.addWidget(body)
    body.append_text("Start\n\n```python\nx = 1\n")
    body.flush_all()
    themes.set_mode(ThemeMode.DARK)
    qtbot.waitUntil(lambda: body.up_to_date)
    assert body.streaming  # still open: more text continues it
    body.append_text("```\n\nEnd\n")
    body.finish()
    qtbot.waitUntil(lambda: body.up_to_date)
    text = body.toPlainText()
    assert text.startswith("Start") and text.count("x = 1") == 1 and text.endswith("End")
    cursor = QTextCursor(body.document().find("x = 1"))
    assert cursor.blockFormat().background().color().name() == DARK.code_bg


def test_system_mode_follows_the_color_scheme(themes: ThemeController, qapp) -> None:
    hints = qapp.styleHints()
    themes.set_mode(ThemeMode.SYSTEM)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # the desktop turned dark
    assert current() is DARK
    assert qapp.palette().color(QPalette.ColorRole.Window) == QColor(DARK.window)
    assert DARK.window in qapp.styleSheet()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert current() is LIGHT
    assert qapp.palette().color(QPalette.ColorRole.Window) == QColor(LIGHT.window)

    themes.set_mode(ThemeMode.LIGHT)  # a chosen theme stays whatever the system does
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert current() is LIGHT
    themes.set_mode(ThemeMode.SYSTEM)  # back to the system: what Qt reports now
    themes.read_system_scheme()  # (offscreen: no scheme, so light)
    assert current() is LIGHT


def test_the_first_paint_uses_the_scheme_seen_last(themes: ThemeController, qapp) -> None:
    seen = []
    themes.system_scheme_read.connect(seen.append)
    themes.set_mode(ThemeMode.SYSTEM)
    themes.guess_system_dark(True)  # the last run saw a dark desktop
    assert current() is DARK
    themes.read_system_scheme()  # after the first paint: offscreen Qt reports no scheme
    assert current() is LIGHT and seen == [False]


def test_the_chosen_theme_is_remembered(themes: ThemeController, desk_home, qtbot) -> None:
    from desktop.app import THEME_PREFERENCE, use_saved_theme
    from desktop.storage.appearance import appearance_path, read_appearance, save_appearance
    from desktop.storage.paths import AppPaths

    paths = AppPaths.resolve().ensure()
    path = appearance_path(paths)
    save_appearance(path, THEME_PREFERENCE, "dark")
    use_saved_theme(paths)
    assert themes.mode is ThemeMode.DARK and current() is DARK
    path.write_text("{not json", encoding="utf-8")  # a broken file: defaults, no crash
    assert read_appearance(path) == {}
    save_appearance(path, THEME_PREFERENCE, "light")
    assert read_appearance(path) == {"theme": "light"}
