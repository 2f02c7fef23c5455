"""Local tools: the user's MCP servers, their tools, and the rules of a tool call.

Pure data and rules (standard library only). The servers run in `desktop.mcp_host`; their
settings are kept by `desktop.storage.mcp_servers`; the UI sees both through `core.ports`.

A local tool reaches the Messages API under a name of its own (`api_tool_name`): the API
takes `^[a-zA-Z0-9_-]{1,64}$`, and two servers may offer tools of the same name.
"""

from __future__ import annotations

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


def tool_param(tool: LocalTool) -> dict[str, Any]:
    """The request's `tools` entry for `tool` (a client tool: the app runs it)."""
    schema = tool.input_schema if tool.input_schema else {"type": "object", "properties": {}}
    param: dict[str, Any] = {
        "name": api_tool_name(tool.server, tool.name),
        "input_schema": schema,
    }
    description = tool.description or tool.title
    if description:
        param["description"] = description
    return param


def tool_result_block(tool_use_id: str, outcome: ToolOutcome) -> dict[str, Any]:
    """The `tool_result` block that answers `tool_use_id` (kept as the API takes it)."""
    block: dict[str, Any] = {
        "type": "tool_result",
        "tool_use_id": tool_use_id,
        "content": [dict(b) for b in outcome.content] or [{"type": "text", "text": "(no output)"}],
    }
    if outcome.is_error:
        block["is_error"] = True
    return block


def error_outcome(text: str) -> ToolOutcome:
    return ToolOutcome(({"type": "text", "text": text},), is_error=True)


DENIED = "The user denied this tool call. Do not retry it; ask the user what to do instead."
STOPPED = "The user stopped the answer before this tool call finished."


def unknown_tool(name: str) -> ToolOutcome:
    return error_outcome(f"There is no tool named {name!r} (its server may be disabled).")


def result_text(block: dict[str, Any]) -> str:
    """The text of a `tool_result` block (images named, not shown)."""
    content = block.get("content")
    if isinstance(content, str):
        return content
    parts = []
    for item in content if isinstance(content, list) else []:
        if item.get("type") == "text":
            parts.append(str(item.get("text", "")))
        else:
            parts.append(f"[{item.get('type', 'content')}]")
    return "\n".join(parts)


def display_name(api_name: str) -> str:
    """`server__tool` as a person reads it: "server › tool"."""
    server, sep, tool = api_name.partition("__")
    return f"{server} › {tool}" if sep else api_name


def arguments_text(arguments: Any, limit: int = 80) -> str:
    """A call's arguments on one line: `timezone: Europe/Paris, repo: /tmp/x` (cut at `limit`)."""
    if not isinstance(arguments, dict) or not arguments:
        return ""
    text = ", ".join(f"{k}: {v}" for k, v in arguments.items()).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def call_text(use: dict[str, Any]) -> str:
    """What a `tool_use` is doing: "Using time › get_current_time (timezone: UTC)"."""
    args = arguments_text(use.get("input"))
    return f"Using {display_name(str(use.get('name') or 'tool'))}" + (f" ({args})" if args else "")


def outcome_line(use: dict[str, Any] | None, result: dict[str, Any]) -> str:
    """The collapsed line of a finished call: "✓ time › now — {"zone": …" or "✗ …"."""
    name = display_name(str((use or {}).get("name") or "tool"))
    first = " ".join(result_text(result).split())  # one line, however the result is laid out
    first = first if len(first) <= 80 else first[:79] + "…"
    mark = "✗" if result.get("is_error") else "✓"
    return f"{mark} {name}" + (f" — {first}" if first else "")
