"""Reading the official app's claude_desktop_config.json into MCP server settings."""

from __future__ import annotations

import json

import pytest

from desktop.core.desktop_config import (
    default_config_path,
    parse_desktop_config,
    read_desktop_config,
)
from desktop.core.local_tools import McpServerConfig, Transport

SAMPLE = {
    "mcpServers": {
        "time": {"command": "uvx", "args": ["mcp-server-time", "--local-timezone=UTC"]},
        "github": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-github"],
            "env": {"GITHUB_TOKEN": "ghp_secret", "DEBUG": 1},
        },
        "docs": {"type": "http", "url": "https://example.com/mcp", "headers": {"X-Key": "k"}},
        "remote": {"url": " https://mcp.example.org/ "},
        "paused": {"command": "node", "args": ["server.js"], "disabled": True},
    },
    "globalShortcut": "Ctrl+Space",
}


def test_every_kind_of_entry_becomes_a_server() -> None:
    result = read_desktop_config(json.dumps(SAMPLE))
    assert result.warnings == []
    by_name = {s.name: s for s in result.servers}
    assert list(by_name) == ["time", "github", "docs", "remote", "paused"]
    assert by_name["time"] == McpServerConfig(
        "time", command="uvx", args=["mcp-server-time", "--local-timezone=UTC"]
    )
    assert by_name["github"].env == {"GITHUB_TOKEN": "ghp_secret", "DEBUG": "1"}
    assert by_name["docs"].transport is Transport.HTTP
    assert by_name["docs"].headers == {"X-Key": "k"}
    assert by_name["remote"].url == "https://mcp.example.org/"
    assert by_name["paused"].enabled is False
    assert parse_desktop_config(json.dumps(SAMPLE)) == result.servers


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"args": ["x"]}, "no command"),
        ({"command": "  "}, "no command"),
        ({"type": "sse"}, "no URL"),
        ({"type": "http"}, "no URL"),
        ({"type": "websocket", "command": "x"}, "“websocket”"),
        ({"command": "x", "args": "a b"}, '"args"'),
        ({"command": "x", "env": {"A": {"nested": 1}}}, '"env"'),
        ("npx thing", "not an object"),
    ],
)
def test_unusable_entries_are_left_out_with_a_reason(entry: object, words: str) -> None:
    text = json.dumps({"mcpServers": {"bad": entry, "good": {"command": "uvx"}}})
    result = read_desktop_config(text)
    assert [s.name for s in result.servers] == ["good"]
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("“bad” was left out")
    assert words in result.warnings[0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"mcpServers": {"a": }', "not valid JSON (line 1, column 22"),
        ("", "not valid JSON"),
        ('{"globalShortcut": "x"}', 'no "mcpServers"'),
        ('{"mcpServers": []}', 'no "mcpServers"'),
        ("[1, 2]", 'no "mcpServers"'),
    ],
)
def test_a_file_that_is_not_a_config_says_why(text: str, words: str) -> None:
    with pytest.raises(ValueError) as raised:
        read_desktop_config(text)
    assert words in str(raised.value)


def test_the_official_app_keeps_its_config_per_platform() -> None:
    assert str(default_config_path("linux", "/home/ann", {})) == (
        "/home/ann/.config/Claude/claude_desktop_config.json"
    )
    assert str(default_config_path("linux", "/home/ann", {"XDG_CONFIG_HOME": "/cfg"})) == (
        "/cfg/Claude/claude_desktop_config.json"
    )
    assert str(default_config_path("darwin", "/Users/ann", {})) == (
        "/Users/ann/Library/Application Support/Claude/claude_desktop_config.json"
    )
    windows = default_config_path(
        "win32", "C:\\Users\\ann", {"APPDATA": "C:\\Users\\ann\\AppData\\Roaming"}
    )
    assert str(windows) == "C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json"
