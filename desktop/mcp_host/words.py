"""Why a server or a call failed, in words a person can act on."""

from __future__ import annotations

from desktop.core.local_tools import McpServerConfig, Transport


def leaf(exc: BaseException) -> BaseException:
    """The first real error inside (nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def describe(exc: BaseException) -> str:
    exc = leaf(exc)
    text = str(exc).strip()
    return text or type(exc).__name__


def exited(name: str, code: int | None, has_stderr: bool, during: str) -> str:
    """The server's process ended `during` ("while starting", "unexpectedly", ...)."""
    how = f" (exit code {code})" if code is not None else ""
    tail = " Its last lines on stderr are below." if has_stderr else ""
    return f"{name} stopped {during}{how}.{tail}"


def start_failed(config: McpServerConfig, exc: BaseException) -> str:
    """The server could not be started or reached at all."""
    exc = leaf(exc)
    if config.transport is not Transport.STDIO:
        return f"Could not connect to {config.name} at {config.url}: {describe(exc)}"
    command = f"`{config.command}`"
    if isinstance(exc, FileNotFoundError):
        return (
            f"Could not start {command}: command not found. Check the command of "
            f"{config.name} in Settings › Tools, or give its full path."
        )
    if isinstance(exc, PermissionError):
        return f"Could not start {command}: permission denied (is it a program you may run?)."
    if isinstance(exc, OSError):
        return f"Could not start {command}: {exc.strerror or describe(exc)}."
    return f"{config.name} could not start: {describe(exc)}"


def too_slow(name: str, seconds: float, garbage: str) -> str:
    note = f" It printed text that is not MCP on stdout: “{garbage}”." if garbage else ""
    return f"{name} did not finish starting within {seconds:g} s.{note}"


def gave_up(error: str, failures: int, window_s: float) -> str:
    return (
        f"{error} It failed {failures} times within {window_s:g} s, so it is not started "
        "again by itself: fix the cause, then start it again in Settings › Tools."
    )


def garbage_warning(count: int, sample: str) -> str:
    lines = "line that is not an MCP message" if count == 1 else "lines that are not MCP messages"
    return (
        f"It printed {count} {lines} on stdout (ignored), "
        f"e.g. “{sample}”. Servers should write their logs to stderr."
    )
