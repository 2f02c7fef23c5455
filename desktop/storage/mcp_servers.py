"""The user's MCP servers: settings in ``mcp_servers.json``, secret values in the OS keyring.

The file (config folder, owner-only, written atomically) holds each server's settings and the
*names* of its environment variables and HTTP headers; their values may be tokens, so they live
in the keyring under service `SERVICE`, user names ``mcp:<server>:env:<NAME>`` and
``mcp:<server>:header:<NAME>``. Without a usable keyring the values are kept in memory for this
run and `save` says so. Keyring calls may block (D-Bus, an unlock prompt): call `load` and
`save` from a worker thread.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keyring
from keyring.errors import PasswordDeleteError

from desktop.core.local_tools import McpServerConfig, Transport
from desktop.storage.files import atomic_write, private_dir
from desktop.storage.secrets import SERVICE, backend_problem

FILE_NAME = "mcp_servers.json"
DESKTOP_CONFIG = "claude_desktop_config.json"
_NO_KEYRING = (
    "No secure storage for secrets was found, so the values of your MCP servers' environment "
    "variables and headers are kept for this run only. Install or unlock a keyring (on Linux "
    "GNOME Keyring or KWallet), then save the servers again."
)

SecretKey = tuple[str, str, str]  # (server, "env" | "header", name)


def secret_username(server: str, kind: str, name: str) -> str:
    """The keyring user name of one value (`kind` is "env" or "header")."""
    return f"mcp:{server}:{kind}:{name}"


class McpServerFile:
    """`core.ports.McpServerRepository` over ``<config>/mcp_servers.json`` and the keyring."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._memory: dict[str, str] = {}  # user name -> value, when there is no keyring

    @classmethod
    def in_config_dir(cls, config_dir: Path) -> McpServerFile:
        return cls(Path(config_dir) / FILE_NAME)

    def load(self) -> tuple[list[McpServerConfig], str | None]:
        """The servers with their secret values filled in, and a problem to show (or None)."""
        entries, problem = self._read()
        servers = _configs(entries)
        missing = 0
        for server in servers:
            missing += self._fill_secrets(server)
        if missing and problem is None:
            problem = keyring_problem() or (
                f"{missing} secret value(s) of your MCP servers were not found in the keyring; "
                "enter them again in Settings › Tools."
            )
        return servers, problem

    def save(self, servers: Sequence[McpServerConfig]) -> str | None:
        """Write the settings atomically, the values to the keyring; returns a problem or None.

        Values of servers or names no longer present are deleted from the keyring."""
        old_keys = _secret_keys(self._read()[0])
        new_values = {key: value for s in servers for key, value in _secrets(s).items()}
        problem = keyring_problem()
        for key in old_keys - set(new_values):
            self._delete(secret_username(*key), problem is None)
        for key, value in new_values.items():
            problem = self._store(secret_username(*key), value, problem)
        text = json.dumps({"version": 1, "servers": [_entry(s) for s in servers]}, indent=2)
        try:
            private_dir(self.path.parent)
            atomic_write(self.path, text + "\n")
        except OSError as exc:
            return f"Your MCP servers could not be saved to {self.path}: {exc}"
        return problem

    def _read(self) -> tuple[list[Any], str | None]:
        """The file's server entries (none when missing); a corrupt file is moved aside."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return [], None
        except (OSError, UnicodeDecodeError) as exc:
            return [], f"Your MCP servers were not read: {exc}"
        except ValueError as exc:
            return [], self._move_aside(exc)
        servers = data.get("servers") if isinstance(data, dict) else None
        return (servers, None) if isinstance(servers, list) else ([], None)

    def _move_aside(self, exc: ValueError) -> str:
        aside = self.path.with_name(f"{self.path.name}.unreadable-{int(time.time())}")
        try:
            self.path.replace(aside)
        except OSError:
            return f"Your MCP servers in {self.path} could not be read ({exc})."
        return (
            f"Your MCP servers in {self.path} could not be read ({exc}); the file was kept as "
            f"{aside.name} and no servers are set up."
        )

    def _fill_secrets(self, server: McpServerConfig) -> int:
        """Put the stored values into `server`'s env and headers; returns how many lack one."""
        missing = 0
        for kind, values in (("env", server.env), ("header", server.headers)):
            for name in values:
                value = self._fetch(secret_username(server.name, kind, name))
                missing += value is None
                values[name] = value or ""
        return missing

    def _fetch(self, username: str) -> str | None:
        if username in self._memory:
            return self._memory[username]
        if keyring_problem():
            return None
        try:
            return keyring.get_password(SERVICE, username)
        except Exception:  # a locked or broken keyring: the value counts as missing
            return None

    def _store(self, username: str, value: str, problem: str | None) -> str | None:
        if problem is None:
            try:
                keyring.set_password(SERVICE, username, value)
            except Exception as exc:
                problem = f"{_NO_KEYRING} ({exc})"
            else:
                self._memory.pop(username, None)
                return None
        self._memory[username] = value
        return problem

    def _delete(self, username: str, in_keyring: bool) -> None:
        self._memory.pop(username, None)
        if in_keyring:
            with contextlib.suppress(PasswordDeleteError, Exception):
                keyring.delete_password(SERVICE, username)


def keyring_problem() -> str | None:
    """None when secrets can go to the keyring, else what to tell the person."""
    return _NO_KEYRING if backend_problem(keyring.get_keyring()) else None


def _entry(server: McpServerConfig) -> dict[str, Any]:
    """What the file keeps of a server: everything but the values of env and headers."""
    return {
        "name": server.name,
        "transport": server.transport.value,
        "command": server.command,
        "args": list(server.args),
        "env": sorted(server.env),
        "url": server.url,
        "headers": sorted(server.headers),
        "enabled": server.enabled,
        "always_allowed": list(server.always_allowed),
    }


def _config(entry: Mapping[str, Any]) -> McpServerConfig | None:
    name = str(entry.get("name", "")).strip()
    try:
        transport = Transport(entry.get("transport", Transport.STDIO.value))
    except ValueError:
        return None
    if not name:
        return None
    return McpServerConfig(
        name=name,
        transport=transport,
        command=str(entry.get("command", "")),
        args=[str(a) for a in entry.get("args", [])],
        env=dict.fromkeys((str(n) for n in entry.get("env", [])), ""),
        url=str(entry.get("url", "")),
        headers=dict.fromkeys((str(n) for n in entry.get("headers", [])), ""),
        enabled=bool(entry.get("enabled", True)),
        always_allowed=[str(t) for t in entry.get("always_allowed", [])],
    )


def _secrets(server: McpServerConfig) -> dict[SecretKey, str]:
    pairs = [("env", server.env), ("header", server.headers)]
    return {(server.name, kind, n): v for kind, values in pairs for n, v in values.items()}


def _configs(entries: Sequence[Any]) -> list[McpServerConfig]:
    """The usable entries of the file as servers (values of env and headers empty)."""
    return [c for e in entries if isinstance(e, dict) and (c := _config(e)) is not None]


def _secret_keys(entries: Sequence[Any]) -> set[SecretKey]:
    return {key for config in _configs(entries) for key in _secrets(config)}
