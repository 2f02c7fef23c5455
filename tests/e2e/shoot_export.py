"""Screenshot of the File menu with Export and Import (run under Xvfb).

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m tests.e2e.shoot_export OUT_DIR

Starts the real app against the fake server (as tests/e2e/shoot.py does), opens a stored
conversation, opens the File menu with "Export conversation…" highlighted, and saves the
screen around the window as export-menu.png.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.e2e import shoot


async def scenario(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from tests.exchange_data import make_conversation

    window = desk.window
    for _ in range(200):  # export and import join the File menu after the first paint
        await asyncio.sleep(0.05)
        if desk.exchange is not None:
            break
    make_conversation(desk.store, desk.blobs)
    desk.controller.conversations_changed.emit()
    desk.controller.open_conversation(desk.store.list_conversations()[0])
    await asyncio.sleep(0.8)
    bar = window.menuBar()
    file_action = next(a for a in bar.actions() if a.text() == "&File")
    menu = file_action.menu()
    bar.setActiveAction(file_action)
    await asyncio.sleep(0.5)
    menu.setActiveAction(desk.exchange.export_action)
    await asyncio.sleep(0.5)
    frame = window.frameGeometry()
    image = QApplication.primaryScreen().grabWindow(0, frame.x(), frame.y(), 760, 420)
    image.save(str(out / "export-menu.png"))
    menu.close()
    await asyncio.sleep(0.2)
    window.close()


if __name__ == "__main__":
    shoot.scenario = scenario  # type: ignore[assignment]
    sys.exit(shoot.main())
