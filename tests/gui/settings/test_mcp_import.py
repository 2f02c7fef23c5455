"""Import from Claude Desktop: one click reads its claude_desktop_config.json (here a temporary
file at the place the app looks), reports what was added, renamed, skipped or left out, and a
bad file changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.core.local_tools import McpServerConfig, Transport
from tests.gui.settings.mcp_helpers import build_tools, click

CONFIG = {
    "mcpServers": {
        "time": {"command": "uvx", "args": ["mcp-server-time"]},
        "git": {"command": "uvx", "args": ["mcp-server-git", "--repository", "/srv/repo"]},
        "github": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_imported"},
        },
        "docs": {"type": "http", "url": "https://docs.example.com/mcp"},
        "old": {"type": "websocket", "url": "ws://old.example.com/mcp"},
    }
}
HERE = [
    McpServerConfig("time", command="uvx", args=["mcp-server-time"]),  # the same: skipped
    McpServerConfig("git", command="git-mcp"),  # another server named git: renamed
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Claude" / "claude_desktop_config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_one_click_imports_from_the_usual_place(qtbot, aloop, tmp_path: Path) -> None:
    tools = build_tools(qtbot, aloop, HERE)
    tools.config_path[0] = write(tmp_path, json.dumps(CONFIG))
    click(qtbot, tools.section.import_button)
    tools.until(lambda: tools.repo.saves == 1)
    assert tools.names() == ["time", "git", "git-2", "github", "docs"]
    github = tools.repo.stored[3]
    assert github.env == {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_imported"}
    assert tools.repo.stored[4].transport is Transport.HTTP
    assert [s.name for s in tools.host.servers()] == tools.names()
    assert list(tools.section.rows) == tools.names()
    box = tools.section.message_box
    assert box is not None and box.isVisible()
    assert box.text().splitlines() == [
        "Imported 3 servers: git-2, github, docs.",
        "“git” was renamed “git-2”: another server has that name.",
        "Skipped “time”: already set up here.",
        "“old” was left out: its transport “websocket” is not one Claude Desk knows.",
    ]
    assert str(tools.config_path[0]) in box.informativeText()
    click(qtbot, box.buttons()[0])
    click(qtbot, tools.section.import_button)  # again: everything is there already
    box = tools.section.message_box
    assert box.text().splitlines()[0] == "No new servers were imported."
    assert tools.repo.saves == 1


def test_without_the_usual_file_a_file_is_picked(qtbot, aloop, tmp_path: Path) -> None:
    tools = build_tools(qtbot, aloop)
    tools.picked[0] = write(
        tmp_path, json.dumps({"mcpServers": {"time": CONFIG["mcpServers"]["time"]}})
    )
    click(qtbot, tools.section.import_button)
    tools.until(lambda: tools.repo.saves == 1)
    assert tools.names() == ["time"]
    assert not tools.section.empty.isVisible()


def test_picking_nothing_changes_nothing(qtbot, aloop) -> None:
    tools = build_tools(qtbot, aloop, HERE)
    click(qtbot, tools.section.import_button)
    assert tools.section.message_box is None
    assert tools.repo.saves == 0 and tools.host.configured == []


def test_bad_json_is_said_and_changes_nothing(qtbot, aloop, tmp_path: Path) -> None:
    tools = build_tools(qtbot, aloop, HERE)
    tools.config_path[0] = write(tmp_path, '{"mcpServers": {"time": {"command": "uvx",}}}')
    click(qtbot, tools.section.import_button)
    box = tools.section.message_box
    assert box is not None and box.isVisible()
    assert box.windowTitle() == "Nothing was imported"
    assert box.text().startswith("This file is not valid JSON (line 1, column 43")
    assert box.text().endswith("Nothing was changed.")
    assert tools.names() == ["time", "git"]
    assert tools.repo.saves == 0 and tools.host.configured == []
    assert list(tools.section.rows) == ["time", "git"]
