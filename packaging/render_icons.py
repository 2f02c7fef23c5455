"""Render the app icon's PNG sizes (and the Windows .ico / macOS .icns) from the SVG source.

    python packaging/render_icons.py

Writes resources/icons/claude-desk-<size>.png for every size in SIZES, then
packaging/windows/claude-desk.ico and packaging/macos/claude-desk.icns (with Pillow).
The SVG (resources/icons/claude-desk.svg) is the one source; re-run after editing it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "claude-desk.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return ROOT / "resources" / "icons" / f"claude-desk-{size}.png"


def render_pngs() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        if not image.save(str(png_path(size))):  # the format follows the .png suffix
            raise SystemExit(f"cannot write {png_path(size)}")
    del app


def write_ico_and_icns() -> None:
    from PIL import Image

    largest = Image.open(png_path(max(SIZES)))
    ico = ROOT / "packaging" / "windows" / "claude-desk.ico"
    ico.parent.mkdir(parents=True, exist_ok=True)
    largest.save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES])
    icns = ROOT / "packaging" / "macos" / "claude-desk.icns"
    icns.parent.mkdir(parents=True, exist_ok=True)
    largest.save(icns, format="ICNS")


if __name__ == "__main__":
    render_pngs()
    write_ico_and_icns()
    print("icons written:", ", ".join(str(png_path(s).name) for s in SIZES))
