"""The official Claude app's `claude_desktop_config.json`: its `mcpServers`, as our settings.

    {"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"], "env": {...}},
                    "docs": {"type": "http", "url": "https://…/mcp", "headers": {...}}}}

Entries that cannot be used (no command or URL, unknown transports, odd values) are left
out and named in `DesktopConfig.warnings`; text that is not such a file raises ValueError with
words a person can act on. Pure: the caller reads the file (`default_config_path` says where
the official app keeps it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from desktop.core.local_tools import McpServerConfig, Transport

CONFIG_NAME = "claude_desktop_config.json"
_HTTP_TYPES = {"http", "streamable-http", "streamablehttp", "streamable_http"}


@dataclass(slots=True)
class DesktopConfig:
    """What a config file gave: the servers to add and why others were left out."""

    servers: list[McpServerConfig] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_desktop_config(text: str) -> DesktopConfig:
    """The usable servers of a `claude_desktop_config.json` and warnings for the others.

    Raises:
        ValueError: the text is not JSON, or has no `mcpServers` object.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"This file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("mcpServers"), dict):
        raise ValueError('This file has no "mcpServers" section, so there is nothing to import.')
    result = DesktopConfig()
    for name, entry in data["mcpServers"].items():
        try:
            result.servers.append(_server(str(name), entry))
        except ValueError as why:
            result.warnings.append(f"“{name}” was left out: {why}")
    return result


def parse_desktop_config(text: str) -> list[McpServerConfig]:
    """The usable servers only (see `read_desktop_config` for the warnings too)."""
    return read_desktop_config(text).servers


def _server(name: str, entry: Any) -> McpServerConfig:
    if not name.strip():
        raise ValueError("it has no name.")
    if not isinstance(entry, dict):
        raise ValueError("its settings are not an object.")
    kind = str(entry.get("type") or entry.get("transport") or "").strip().lower()
    enabled = entry.get("disabled") is not True
    if kind not in ("", "stdio", "sse") and kind not in _HTTP_TYPES:
        raise ValueError(f"its transport “{kind}” is not one Claude Desk knows.")
    if "url" in entry or kind in _HTTP_TYPES or kind == "sse":
        url = entry.get("url")
        if not isinstance(url, str) or not url.strip():
            raise ValueError("it has no URL.")
        headers = _strings(entry.get("headers"), "headers")
        transport = Transport.SSE if kind == "sse" else Transport.HTTP  # SSE: the older one
        return McpServerConfig(
            name.strip(), transport, url=url.strip(), headers=headers, enabled=enabled
        )
    if kind not in ("", "stdio"):
        raise ValueError(f"its transport “{kind}” is not one Claude Desk knows.")
    command = entry.get("command")
    if not isinstance(command, str) or not command.strip():
        raise ValueError("it has no command to run.")
    args = entry.get("args", [])
    if not isinstance(args, list) or not all(_scalar(a) for a in args):
        raise ValueError('its "args" are not a list of words.')
    env = _strings(entry.get("env"), "env")
    return McpServerConfig(
        name.strip(), command=command.strip(), args=[_text(a) for a in args], env=env,
        enabled=enabled,
    )  # fmt: skip


def _strings(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(_scalar(v) for v in value.values()):
        raise ValueError(f'its "{what}" are not names with text values.')
    return {str(k): _text(v) for k, v in value.items()}


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def default_config_path(platform: str, home: str, environ: dict[str, str]) -> PurePath:
    """Where the official app keeps its config on `platform` (`sys.platform`)."""
    if platform.startswith("win"):
        appdata = environ.get("APPDATA") or str(PureWindowsPath(home, "AppData", "Roaming"))
        return PureWindowsPath(appdata, "Claude", CONFIG_NAME)
    if platform == "darwin":
        return PurePosixPath(home, "Library", "Application Support", "Claude", CONFIG_NAME)
    config = environ.get("XDG_CONFIG_HOME") or str(PurePosixPath(home, ".config"))
    return PurePosixPath(config, "Claude", CONFIG_NAME)
