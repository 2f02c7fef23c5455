"""The window fits a 1280 px screen with every panel open, and panels never widen it."""

from __future__ import annotations

from tests.gui.conftest import Desk

SCREEN_WIDTH = 1280


def _open_both_panels(desk: Desk, qtbot) -> None:
    window = desk.window
    qtbot.mouseClick(window.settings_button, _left())
    context = window.documents_input.panel
    assert context is not None
    context.setVisible(True)  # as when a document is added
    qtbot.waitUntil(lambda: window.settings_panel.isVisible() or context.isVisible())


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_every_panel_open_fits_a_1280_px_screen(desk: Desk, qtbot) -> None:
    window = desk.window
    window.resize(SCREEN_WIDTH, 800)
    qtbot.waitUntil(lambda: window.width() == SCREEN_WIDTH)
    _open_both_panels(desk, qtbot)
    qtbot.waitUntil(lambda: window.settings_panel.isVisible())
    context = window.documents_input.panel
    assert context is not None and context.isVisible()
    assert window.minimumSizeHint().width() <= SCREEN_WIDTH
    qtbot.wait(50)  # a layout pass
    assert window.width() == SCREEN_WIDTH


def test_a_panel_never_widens_a_narrow_window(desk: Desk, qtbot) -> None:
    window = desk.window
    window.resize(960, 700)
    qtbot.waitUntil(lambda: window.width() == 960)
    context = window.documents_input.panel
    assert context is not None
    context.setVisible(True)
    qtbot.mouseClick(window.settings_button, _left())  # no room for both: the context closes
    qtbot.waitUntil(lambda: window.settings_panel.isVisible())
    qtbot.wait(50)
    assert window.width() == 960
    assert not context.isVisible()
    context.setVisible(True)  # and the other way round: the settings close, unchecked
    qtbot.waitUntil(lambda: not window.settings_panel.isVisible())
    assert not window.settings_button.isChecked()
    qtbot.wait(50)
    assert window.width() == 960
