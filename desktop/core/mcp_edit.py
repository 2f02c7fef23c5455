"""Editing the user's MCP servers: how a server is shown, what makes one valid, merging imports.

Pure rules for Settings › Tools (standard library only).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from desktop.core.local_tools import McpServerConfig, ServerState, ServerStatus, Transport

API_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP token (RFC 9110)


def split_arguments(text: str) -> list[str]:
    """Words of a shell-like line: quotes group, backslashes stay as typed (Windows paths).

    Raises:
        ValueError: a quote is not closed.
    """
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.escape = ""
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        raise ValueError("A quote in the arguments is not closed.") from None


def join_arguments(args: Sequence[str]) -> str:
    """The line `split_arguments` reads back as `args`."""
    return shlex.join(args)


def summary(config: McpServerConfig) -> str:
    """One line saying what runs: the command line, or the URL."""
    if config.transport is Transport.HTTP:
        return config.url
    return join_arguments([config.command, *config.args]) if config.args else config.command


def status_text(status: ServerStatus | None, enabled: bool = True) -> str:
    """The status as a row shows it ("Ready · 3 tools", "Failed: …")."""
    if not enabled or (status is not None and status.state is ServerState.DISABLED):
        return "Off"
    if status is None or status.state is ServerState.STOPPED:
        return "Not started"
    if status.state is ServerState.STARTING:
        return "Starting…"
    if status.state is ServerState.READY:
        count = len(status.tools)
        return f"Ready · {count} tool{'' if count == 1 else 's'}"
    return f"Failed: {status.error or 'the server stopped.'}"


def name_problem(name: str, others: Sequence[str]) -> str | None:
    """Why `name` cannot name a server beside `others`, or None."""
    name = name.strip()
    if not name:
        return "Give the server a name."
    if name.casefold() in {o.strip().casefold() for o in others}:
        return f"There is already a server named “{name}”."
    if len(name) > 40:
        return "Keep the name to 40 characters at most."
    return None


def name_hint(name: str) -> str:
    """A gentle note when the name will be changed in requests (letters, digits, _ and -)."""
    name = name.strip()
    if not name or API_SAFE.match(name):
        return ""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "server"
    return f"Claude sees its tools as “{safe}__…”: names use letters, digits, _ and -."


def url_problem(url: str) -> str | None:
    url = url.strip()
    if not url:
        return "Enter the server's URL."
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The URL must start with http:// or https:// and name a host."
    return None


def pairs_problem(pairs: Sequence[tuple[str, str]], kind: str) -> str | None:
    """Why these environment variables (`kind` "env") or headers ("headers") are unusable."""
    rule, what = (ENV_NAME, "variable") if kind == "env" else (HEADER_NAME, "header")
    seen: set[str] = set()
    for name, value in pairs:
        if not name and value:
            return f"A {what} has a value but no name."
        if name and not rule.match(name):
            return f"“{name}” cannot name a {what}: use letters, digits and _ (or - for headers)."
        key = name if kind == "env" else name.lower()
        if name and key in seen:
            return f"The {what} “{name}” is set twice."
        seen.add(key)
    return None


def same_server(a: McpServerConfig, b: McpServerConfig) -> bool:
    """Both run the same thing (what the user allowed and switched is not compared)."""
    return (a.transport, a.command, a.args, a.env, a.url, a.headers) == (
        b.transport, b.command, b.args, b.env, b.url, b.headers,
    )  # fmt: skip


@dataclass(slots=True)
class ImportPlan:
    """What importing servers does: who is added, renamed, or skipped as already there."""

    added: list[McpServerConfig] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (name in the file, new name)
    skipped: list[str] = field(default_factory=list)


def plan_import(
    existing: Sequence[McpServerConfig], imported: Sequence[McpServerConfig]
) -> ImportPlan:
    """Add every imported server: one already here (the same command or URL, under any name)
    is skipped; one whose name a different server has gets a free name (`name-2`)."""
    plan = ImportPlan()
    taken = {s.name.casefold(): s for s in existing}
    for server in imported:
        if any(same_server(there, server) for there in taken.values()):
            plan.skipped.append(server.name)
            continue
        new = server
        if server.name.casefold() in taken:
            new = replace(server, name=free_name(server.name, list(taken)))
            plan.renamed.append((server.name, new.name))
        taken[new.name.casefold()] = new
        plan.added.append(new)
    return plan


def free_name(name: str, taken: Sequence[str]) -> str:
    """`name-2` (or -3, …): the first not in `taken` (compared without case)."""
    used = {n.casefold() for n in taken}
    number = 2
    while f"{name}-{number}".casefold() in used:
        number += 1
    return f"{name}-{number}"
