"""No text cut mid-word at 1280×800: every view walked with its labels, buttons and cells."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.fake_api.script import TextReply
from tests.gui.batches.test_batches import play, until
from tests.gui.conftest import Desk
from tests.gui.fit import clipped_texts

SIZE = (1280, 800)


def test_main_window_with_every_panel_open(desk: Desk, qtbot, fake_api) -> None:
    window = desk.window
    window.resize(*SIZE)
    fake_api.enqueue(TextReply("A short answer."))
    window.composer.setFocus()
    qtbot.keyClicks(window.composer, "Hello there")
    qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    desk.until(lambda: desk.idle() and desk.last_answer() is not None, timeout=30)
    window.settings_button.setChecked(True)
    context = window.documents_input.panel
    assert context is not None
    context.setVisible(True)
    qtbot.waitUntil(lambda: window.settings_panel.isVisible() and context.isVisible())
    qtbot.wait(50)  # laid out
    assert clipped_texts(window) == []


def test_spend_and_batches_windows(desk: Desk, qtbot, batches, fake_api) -> None:
    fake_api.batches.polls_before_end = 0
    fake_api.batches.answers = {"q1": "Paris."}
    window = desk.window
    window.show_spend()
    window.spend_view.resize(*SIZE)

    async def scenario() -> None:
        view = batches.feature.show_view()
        view.resize(*SIZE)
        view.form.queue_text("Capital of France?")
        await until(lambda: view.form.submit_button.isEnabled())
        view.form.submit_button.click()
        await until(lambda: view.records and view.records[0].results_saved)
        view.select_batch(view.records[0].id)
        await until(lambda: len(view.model.rows) == 1)

    play(desk, scenario)
    view = batches.feature.view
    assert view is not None
    assert clipped_texts(window.spend_view) == []
    for index in range(view.tabs.count()):
        view.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        cut = clipped_texts(view)
        assert cut == [], "\n".join(cut)
    view.close()
    window.spend_view.close()
