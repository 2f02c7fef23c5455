"""A screenshot of Settings › Tools › Local tools (MCP) over the fakes (offscreen or Xvfb).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.e2e.shoot_mcp OUT.png [light|dark]

Three servers: one ready with its tools shown (one read-only, one allowed without asking), one
failed with its error output open, one switched off.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QSplitter, QWidget

from desktop.core.catalog import Catalog
from desktop.core.local_tools import LocalTool, McpServerConfig, ServerState, ServerStatus
from desktop.ui.common.tasks import TaskRegistry
from desktop.ui.settings.local_tools import LocalToolsWiring
from desktop.ui.settings.panel import SettingsPanel
from desktop.ui.shell.theme import ThemeMode, apply_theme
from tests.fakes_tools import FakeToolHost, MemoryMcpServers

MODELS = Path(__file__).resolve().parents[2] / "resources" / "models.toml"
SERVERS = [
    McpServerConfig(
        "git", command="uvx", args=["mcp-server-git", "--repository", "/home/ann/projects/desk"],
        always_allowed=["git_add"],
    ),
    McpServerConfig("github", command="npx", args=["-y", "@modelcontextprotocol/server-github"],
                    env={"GITHUB_PERSONAL_ACCESS_TOKEN": "x"}),
    McpServerConfig("time", command="uvx", args=["mcp-server-time"], enabled=False),
]  # fmt: skip
GIT_TOOLS = (
    LocalTool("git", "git_status", "Shows the working tree status", read_only=True),
    LocalTool("git", "git_log", "Shows the commit logs", read_only=True),
    LocalTool("git", "git_add", "Adds file contents to the staging area"),
    LocalTool("git", "git_commit", "Records changes to the repository", title="Commit changes"),
)
TAIL = (
    "npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry.npmjs.org/"
    "@modelcontextprotocol%2fserver-gihub\nnpm ERR! A complete log of this run can be found in:"
)


async def shoot(out: Path) -> None:
    host = FakeToolHost()
    wiring = LocalToolsWiring(host, MemoryMcpServers(SERVERS), TaskRegistry())
    catalog = Catalog.from_toml(MODELS.read_text(encoding="utf-8"))
    window = QSplitter()
    window.addWidget(QWidget())
    panel = SettingsPanel(catalog, window, local_tools=wiring)
    panel.show_settings(panel.edited_settings())
    window.resize(620, 800)
    window.setSizes([320, 300])
    window.show()
    section = panel.local_tools
    while not section.add_button.isEnabled():
        await asyncio.sleep(0.01)
    host.push(ServerStatus("git", ServerState.READY, tools=GIT_TOOLS))
    failed = "npx exited with code 1 before it answered."
    host.push(ServerStatus("github", ServerState.FAILED, error=failed, stderr_tail=TAIL))
    section.rows["git"].expander.setChecked(True)
    section.rows["github"].stderr_toggle.setChecked(True)
    await asyncio.sleep(0.2)
    panel.scroll_area.ensureWidgetVisible(section, 0, 0)
    bar = panel.scroll_area.verticalScrollBar()
    bar.setValue(section.mapTo(panel.scroll_area.widget(), section.rect().topLeft()).y() - 8)
    await asyncio.sleep(0.2)
    panel.grab().save(str(out))


def main() -> None:
    import qasync

    out = Path(sys.argv[1])
    mode = ThemeMode(sys.argv[2] if len(sys.argv) > 2 else "light")
    app = QApplication(["shoot"])
    apply_theme(app, mode=mode)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(shoot(out))


if __name__ == "__main__":
    main()
