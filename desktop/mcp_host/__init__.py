"""The user's MCP servers, run by the `mcp` SDK on a loop of their own (no Qt here).

`McpHost` implements `core.ports.LocalToolHost`; the UI sees it only through that Protocol.
"""

from desktop.mcp_host.host import McpHost

__all__ = ["McpHost"]
