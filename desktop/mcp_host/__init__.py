"""The user's MCP servers, run by the `mcp` SDK on a loop of their own (no Qt here).

`McpHost` implements `core.ports.LocalToolHost`; the UI sees it only through that Protocol.
"""

import importlib

from desktop.mcp_host.host import McpHost

__all__ = ["McpHost", "warm_up"]


def warm_up() -> None:
    """Import the `mcp` SDK now (≈1 s; blocking: call it in a worker thread while the app is
    starting). Otherwise the first server start imports it on the host's thread, where building
    the SDK's pydantic validators holds the GIL for up to ~30 ms at a time (a UI stall)."""
    importlib.import_module("desktop.mcp_host.runner")
