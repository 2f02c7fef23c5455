"""Building the settings panel with local tools over fakes, and driving it as a person would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QMessageBox, QWidget

from desktop.core.catalog import Catalog
from desktop.core.local_tools import McpServerConfig, ToolLimits
from desktop.ui.common.tasks import TaskRegistry
from desktop.ui.settings.local_tools import LocalToolsSection, LocalToolsWiring
from desktop.ui.settings.panel import SettingsPanel
from tests.fakes_tools import FakeToolHost, MemoryMcpServers
from tests.gui.conftest import run_until

MODELS = Path(__file__).resolve().parents[3] / "resources" / "models.toml"


@dataclass
class Tools:
    """One settings panel over a fake host and an in-memory repository."""

    panel: SettingsPanel
    host: FakeToolHost
    repo: MemoryMcpServers
    loop: asyncio.AbstractEventLoop
    limits: list[ToolLimits] = field(default_factory=list)  # every limits_edited, in order
    config_path: list[Path | None] = field(default_factory=lambda: [None])
    picked: list[Path | None] = field(default_factory=lambda: [None])

    @property
    def section(self) -> LocalToolsSection:
        return self.panel.local_tools

    def until(self, condition: Callable[[], object], timeout: float = 5.0) -> None:
        run_until(self.loop, condition, timeout)

    def names(self) -> list[str]:
        return [s.name for s in self.repo.stored]


def build_tools(
    qtbot, loop: asyncio.AbstractEventLoop, servers: list[McpServerConfig] | None = None
) -> Tools:
    host, repo = FakeToolHost(), MemoryMcpServers(servers or [])
    tools_box: list[Tools] = []
    wiring = LocalToolsWiring(
        host=host,
        servers=repo,
        tasks=TaskRegistry(),
        limits=ToolLimits(),
        on_limits_edited=lambda limits: tools_box[0].limits.append(limits),
        find_config=lambda: tools_box[0].config_path[0],
        pick_file=lambda _parent: tools_box[0].picked[0],
    )
    catalog = Catalog.from_toml(MODELS.read_text(encoding="utf-8"))
    panel = SettingsPanel(catalog, local_tools=wiring)
    qtbot.addWidget(panel)
    panel.resize(300, 800)
    panel.show()
    tools = Tools(panel, host, repo, loop)
    tools_box.append(tools)
    tools.until(lambda: tools.section.add_button.isEnabled())
    return tools


def click(qtbot, button: QAbstractButton) -> None:
    button.ensurePolished()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click_box(qtbot, box: QCheckBox) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def type_into(qtbot, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def box_button(box: QMessageBox, text: str) -> QAbstractButton:
    for button in box.buttons():
        if button.text().replace("&", "") == text:
            return button
    raise AssertionError(f"no button {text!r} in {[b.text() for b in box.buttons()]}")
