"""Local tools: the user's MCP servers, their tools, and the rules of a tool call.

Pure data and rules (standard library only). The servers run in `desktop.mcp_host`; their
settings are kept by `desktop.storage.mcp_servers`; the UI sees both through `core.ports`.

A local tool reaches the Messages API under a name of its own (`api_tool_name`): the API
takes `^[a-zA-Z0-9_-]{1,64}$`, and two servers may offer tools of the same name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Transport(StrEnum):
    STDIO = "stdio"  # a local command speaking MCP on stdin/stdout
    HTTP = "http"  # a streamable-HTTP endpoint
    SSE = "sse"  # the older HTTP+SSE transport (some servers in claude_desktop_config.json)


@dataclass(slots=True)
class McpServerConfig:
    """One MCP server as the user set it up.

    `env` (stdio) and `headers` (HTTP) may hold tokens: the settings file keeps their names
    only, the values live in the keyring (`desktop.storage.mcp_servers`).
    `always_allowed` names the tools (the server's own names) the user allowed without asking.
    """

    name: str
    transport: Transport = Transport.STDIO
    command: str = ""
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    always_allowed: list[str] = field(default_factory=list)


class ServerState(StrEnum):
    STOPPED = "stopped"  # not started yet (servers start when a conversation needs them)
    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"  # see ServerStatus.error and .stderr_tail
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class LocalTool:
    """A tool one MCP server offers. `read_only` is MCP's `readOnlyHint` (False if absent)."""

    server: str
    name: str
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict)
    read_only: bool = False
    title: str = ""


@dataclass(frozen=True, slots=True)
class ServerStatus:
    name: str
    state: ServerState = ServerState.STOPPED
    error: str = ""  # why it failed, in words a person can act on
    stderr_tail: str = ""  # the last lines the server wrote to stderr
    tools: tuple[LocalTool, ...] = ()
    warning: str = ""  # works, but something is off (e.g. it printed text that is not MCP)


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What a local tool call gave back, ready for a `tool_result` block.

    `content` holds API content blocks (`{"type": "text", ...}`, `{"type": "image", ...}`).
    """

    content: tuple[dict[str, Any], ...]
    is_error: bool = False
    truncated: bool = False  # the result was over `ToolLimits.max_result_chars`


@dataclass(slots=True)
class ToolLimits:
    """How far a tool loop may go (Settings › Tools)."""

    max_rounds: int = 20  # requests per answer that end in a local tool call
    call_timeout_s: float = 60.0
    max_result_chars: int = 100_000


class Permission(StrEnum):
    """The user's answer to "Allow <tool>?"."""

    ONCE = "once"
    ALWAYS = "always"  # for this tool of this server, saved in `always_allowed`
    DENY = "deny"


_API_NAME = re.compile(r"[^a-zA-Z0-9_-]+")


def api_tool_name(server: str, tool: str) -> str:
    """The name `tool` of `server` has in requests (`server__tool`, cleaned, at most 64)."""
    name = f"{_API_NAME.sub('_', server).strip('_') or 'server'}__{_API_NAME.sub('_', tool)}"
    return name[:64]


def needs_permission(tool: LocalTool, config: McpServerConfig) -> bool:
    """A call must be allowed by the user first: it may change something."""
    return not tool.read_only and tool.name not in config.always_allowed


# -- the official app's claude_desktop_config.json ----------------------------------------------

_HTTP_TYPES = {"http": Transport.HTTP, "streamable-http": Transport.HTTP,
               "streamable_http": Transport.HTTP, "streamableHttp": Transport.HTTP,
               "sse": Transport.SSE}  # fmt: skip


def parse_desktop_config(text: str) -> tuple[list[McpServerConfig], list[str]]:
    """The servers of a `claude_desktop_config.json` (its `mcpServers` object), and one line
    per entry that was skipped and why. Raises ValueError when the text is not such a file."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"This file is not valid JSON ({exc}).") from exc
    servers = data.get("mcpServers") if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        raise ValueError(
            "This file has no `mcpServers` object: it is not a Claude Desktop configuration."
        )
    found: list[McpServerConfig] = []
    skipped: list[str] = []
    for name, entry in servers.items():
        try:
            found.append(_server_entry(str(name).strip(), entry))
        except ValueError as exc:
            skipped.append(f"{name}: {exc}")
    return found, skipped


def _server_entry(name: str, entry: object) -> McpServerConfig:
    if not name:
        raise ValueError("a server needs a name")
    if not isinstance(entry, dict):
        raise ValueError("not an object with a command or a url")
    enabled = not entry.get("disabled", False)
    kind = str(entry.get("type", "")).strip()
    if isinstance(entry.get("command"), str) and entry["command"].strip():
        if kind not in ("", "stdio"):
            raise ValueError(f"has a command but type {kind!r}")
        args = entry.get("args", [])
        if not isinstance(args, list) or any(isinstance(a, dict | list) for a in args):
            raise ValueError("`args` must be a list of strings")
        return McpServerConfig(
            name=name,
            command=entry["command"].strip(),
            args=[_text(a) for a in args],
            env=_string_map(entry.get("env"), "env"),
            enabled=enabled,
        )
    if isinstance(entry.get("url"), str) and entry["url"].strip():
        transport = _HTTP_TYPES.get(kind or "http")
        if transport is None:
            raise ValueError(f"unknown transport type {kind!r}")
        return McpServerConfig(
            name=name,
            transport=transport,
            url=entry["url"].strip(),
            headers=_string_map(entry.get("headers"), "headers"),
            enabled=enabled,
        )
    raise ValueError("has neither a `command` nor a `url`")


def _string_map(value: object, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or any(isinstance(v, dict | list) for v in value.values()):
        raise ValueError(f"`{what}` must map names to strings")
    return {str(k): _text(v) for k, v in value.items()}


def _text(value: object) -> str:
    """A JSON scalar as an environment variable or header would hold it."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)
