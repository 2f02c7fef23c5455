"""The official Claude app's claude_desktop_config.json as the import reads it, and results."""

from __future__ import annotations

import json

import mcp_types as types
import pytest

from desktop.core.desktop_config import read_desktop_config
from desktop.core.local_tools import McpServerConfig, Transport
from desktop.mcp_host.results import tool_outcome

OFFICIAL = {
    "mcpServers": {
        "filesystem": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/Desktop"],
        },
        "github": {
            "command": "docker",
            "args": ["run", "-i", "--rm", "ghcr.io/github/github-mcp-server"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_abc", "RETRIES": 3, "DEBUG": True},
        },
        "remote": {
            "type": "http",
            "url": "https://mcp.example.com/mcp",
            "headers": {"Authorization": "Bearer t0ken"},
        },
        "old-remote": {"type": "sse", "url": "https://sse.example.com/sse"},
        "plain-url": {"url": " https://plain.example.com/mcp "},
        "off": {"command": "uvx", "args": ["mcp-server-time"], "disabled": True},
        "broken-args": {"command": "x", "args": "--not-a-list"},
        "nothing": {"env": {}},
        "weird-type": {"type": "websocket", "url": "ws://example.com"},
        "not-an-object": ["npx"],
    },
    "globalShortcut": "Ctrl+Space",
}


def test_every_usable_entry_becomes_a_server_and_the_rest_are_named() -> None:
    result = read_desktop_config(json.dumps(OFFICIAL))
    servers, skipped = result.servers, result.warnings

    assert [s.name for s in servers] == [
        "filesystem", "github", "remote", "old-remote", "plain-url", "off",
    ]  # fmt: skip
    filesystem, github, remote, old, plain, off = servers
    assert filesystem == McpServerConfig(
        "filesystem",
        command="npx",
        args=["-y", "@modelcontextprotocol/server-filesystem", "/home/me/Desktop"],
    )
    assert github.env == {
        "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_abc",
        "RETRIES": "3",
        "DEBUG": "true",
    }
    assert (remote.transport, remote.url) == (Transport.HTTP, "https://mcp.example.com/mcp")
    assert remote.headers == {"Authorization": "Bearer t0ken"}
    assert old.transport is Transport.SSE
    assert (plain.transport, plain.url) == (Transport.HTTP, "https://plain.example.com/mcp")
    assert not off.enabled
    assert [line.split("”")[0].lstrip("“") for line in skipped] == [
        "broken-args", "nothing", "weird-type", "not-an-object",
    ]  # fmt: skip
    assert '"args" are not a list' in skipped[0]
    assert "no command" in skipped[1]
    assert "“websocket”" in skipped[2]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", 'no "mcpServers" section'),
        ('{"globalShortcut": "x"}', 'no "mcpServers" section'),
        ('{"mcpServers": []}', 'no "mcpServers" section'),
    ],
)
def test_a_file_that_is_not_a_desktop_config_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_desktop_config(text)


def test_an_empty_server_list_is_fine() -> None:
    result = read_desktop_config('{"mcpServers": {}}')
    assert (result.servers, result.warnings) == ([], [])


def test_results_other_than_text_and_images_are_described() -> None:
    blob = types.BlobResourceContents(uri="file:///a.bin", blob="AAAA", mime_type="x/bin")
    result = types.CallToolResult(
        content=[
            types.AudioContent(data="AAAA", mime_type="audio/wav"),
            types.ImageContent(data="AAAA", mime_type="image/tiff"),
            types.EmbeddedResource(resource=blob),
            types.ResourceLink(name="spec", uri="https://example.com/spec"),
        ]
    )
    texts = [b["text"] for b in tool_outcome(result, 1000).content]
    assert texts == [
        "[audio of type audio/wav, 3 bytes: not shown]",
        "[image of type image/tiff, 3 bytes: not shown]",
        "[Resource file:///a.bin (x/bin, 3 bytes): not shown]",
        "Resource link: spec <https://example.com/spec>",
    ]
    structured = types.CallToolResult(content=[], structured_content={"ok": True})
    assert json.loads(tool_outcome(structured, 1000).content[0]["text"]) == {"ok": True}
    empty = tool_outcome(types.CallToolResult(content=[]), 1000)
    assert empty.content == ({"type": "text", "text": "(The tool returned nothing.)"},)


def test_an_image_over_the_limit_is_left_out_with_the_note() -> None:
    image = types.ImageContent(data="A" * 500, mime_type="image/png")
    result = types.CallToolResult(content=[types.TextContent(text="see:"), image])
    outcome = tool_outcome(result, 100)
    assert outcome.truncated
    assert outcome.content == (
        {"type": "text", "text": "see:\n\n[Result truncated: 4 of 504 characters shown]"},
    )
