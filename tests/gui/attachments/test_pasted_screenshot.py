"""A pasted screenshot goes to the preparer as pixels (no PNG made and read back), and comes out
as the API wants it: a PNG at the model's long edge, transparency kept only where it is real."""

from __future__ import annotations

import io

from PIL import Image
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from desktop.core.images import unpack_pixels
from desktop.ui.attachments.image_input import pixels_loader
from tests.gui.attachments.test_images import strip_ready, type_text
from tests.gui.conftest import Desk


def screenshot(fmt: QImage.Format, transparent_corner: bool = False) -> QImage:
    image = QImage(3840, 2160, fmt)
    image.fill(QColor("#f6f6f6"))
    painter = QPainter(image)
    painter.fillRect(0, 0, 300, 2160, QColor("#282c34"))
    for y in range(40, 2160, 28):
        painter.drawText(340, y, "def foo(bar): return baz  # a line of a code editor")
    painter.end()
    if transparent_corner:
        for y in range(200):
            for x in range(200):
                image.setPixelColor(x, y, QColor(0, 0, 0, 0))
    return image


def pasted(desk: Desk, qtbot, image: QImage) -> Image.Image:
    """Paste `image` into the composer; the prepared picture, decoded."""
    QApplication.clipboard().setImage(image)
    type_text(desk, qtbot, "What is on screen?")
    desk.window.composer.paste()
    desk.until(lambda: strip_ready(desk, 1), timeout=30)
    pending = desk.controller.attachments
    assert pending is not None
    prepared = pending.items[0].prepared
    assert prepared is not None and prepared.media_type == "image/png"
    desk.until(lambda: counted(desk))  # the estimate's recount is over before the test ends
    return Image.open(io.BytesIO(prepared.data))


def counted(desk: Desk) -> bool:
    """The token estimate is not about to count, nor counting. (A count still starting when
    the backend closes can leave its task waiting forever: desktop/background.py `run`.)"""
    estimator = desk.window.estimator
    task = estimator._count_task
    return not estimator._timer.isActive() and (task is None or task.done())


def test_an_opaque_screenshot_is_handed_over_as_rgb_pixels_and_sent_as_png(
    desk: Desk, qtbot
) -> None:
    image = screenshot(QImage.Format.Format_RGB32)
    raw = unpack_pixels(pixels_loader(image)())
    assert raw is not None and (raw.mode, raw.width, raw.height) == ("RGB", 3840, 2160)

    out = pasted(desk, qtbot, image)

    assert out.mode == "RGB"
    assert max(out.size) == desk.controller.attachments.long_edge  # type: ignore[union-attr]
    assert out.getpixel((10, out.height // 2)) == (0x28, 0x2C, 0x34)


def test_a_screenshot_with_a_transparent_corner_keeps_it(desk: Desk, qtbot) -> None:
    image = screenshot(QImage.Format.Format_ARGB32, transparent_corner=True)
    raw = unpack_pixels(pixels_loader(image)())
    assert raw is not None and raw.mode == "RGBA"

    out = pasted(desk, qtbot, image)

    assert out.mode == "RGBA"
    assert out.getpixel((2, 2))[3] == 0  # the clear corner
    assert out.getpixel((out.width - 2, out.height - 2))[3] == 255
