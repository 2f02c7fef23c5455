"""What keeps the UI thread's frames short: drop highlights, batched drops, the GIL switch."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.ui.attachments import pending as attachments
from desktop.ui.common.drops import set_drop_highlight
from desktop.ui.common.restyle import repolish
from tests.gui.attachments.test_images import drop, file_mime, png_file, strip_ready
from tests.gui.conftest import Desk

RULES = '#probe { background: #0000ff; } #probe[hot="true"] { background: #ff0000; }'


def centre_colour(widget: QWidget) -> str:
    image = widget.grab().toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2).name()


def test_repolish_applies_rules_that_select_on_a_property(qtbot) -> None:  # type: ignore[no-untyped-def]
    outer = QWidget()
    outer.setStyleSheet(RULES)
    probe = QLabel(outer)
    probe.setObjectName("probe")
    probe.setMinimumSize(40, 20)
    QVBoxLayout(outer).addWidget(probe)
    qtbot.addWidget(outer)
    outer.show()
    assert centre_colour(probe) == "#0000ff"
    for hot, colour in ((True, "#ff0000"), (False, "#0000ff"), (True, "#ff0000")):
        probe.setProperty("hot", hot)
        repolish(probe)
        assert centre_colour(probe) == colour


def test_the_drop_highlight_comes_and_goes(desk: Desk) -> None:
    composer = desk.window.composer
    set_drop_highlight(composer, True)
    assert composer.property("dropTarget") is True
    set_drop_highlight(composer, False)
    assert composer.property("dropTarget") is False
    assert composer.styleSheet() in ("", "/* restyled */")  # no rules of its own were added


def test_dropped_files_arrive_with_one_change(desk: Desk, tmp_path: Path) -> None:
    pending = desk.controller.attachments
    assert pending is not None
    files = [png_file(tmp_path / f"shot-{i}.png") for i in range(5)]
    changes: list[int] = []
    pending.changed.connect(lambda: changes.append(len(pending.items)))
    drop(desk.window.composer.viewport(), file_mime(files))
    assert changes == [5]  # all five at once: the strip and estimate update once
    desk.until(lambda: strip_ready(desk, 5))
    strip = desk.window.attachment_strip
    assert strip is not None
    desk.until(lambda: len(strip.chips()) == 5)  # chips appear a couple per frame
    assert [chip.name_label.text() for chip in strip.chips()] == [f.name for f in files]


def test_preparing_images_shortens_the_gil_switch_then_restores_it(
    desk: Desk, tmp_path: Path
) -> None:
    pending = desk.controller.attachments
    assert pending is not None
    before = sys.getswitchinterval()
    seen: list[float] = []
    real = attachments.PendingImages._prepare_and_store

    def recording(self, item, long_edge):  # type: ignore[no-untyped-def]
        assert threading.current_thread() is not threading.main_thread()
        seen.append(sys.getswitchinterval())
        return real(self, item, long_edge)

    attachments.PendingImages._prepare_and_store = recording  # type: ignore[method-assign]
    try:
        pending.add_files([str(png_file(tmp_path / "a.png")), str(png_file(tmp_path / "b.png"))])
        desk.until(lambda: strip_ready(desk, 2))
    finally:
        attachments.PendingImages._prepare_and_store = real  # type: ignore[method-assign]
    assert seen and all(s <= 0.001 for s in seen)
    assert sys.getswitchinterval() == before


def test_repolish_keeps_a_widgets_own_stylesheet(qtbot) -> None:  # type: ignore[no-untyped-def]
    probe = QLabel()
    probe.setObjectName("probe")
    probe.setMinimumSize(40, 20)
    probe.setStyleSheet(RULES)
    qtbot.addWidget(probe)
    probe.show()
    probe.setProperty("hot", True)
    repolish(probe)
    assert probe.styleSheet() == RULES
    assert centre_colour(probe) == "#ff0000"
