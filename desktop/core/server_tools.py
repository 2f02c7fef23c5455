"""Server tools of a conversation (web search, web fetch, code execution) and their `tools` list.

Server tools run on Anthropic's side: declaring them in `tools` is all a request needs, and
their `server_tool_use` / result blocks come back in the same answer (api reference, "Server
Tools"). The latest variants are used where the model has them: `web_search_20260209` and
`web_fetch_20260209` (dynamic filtering, which runs code under the hood, so `code_execution`
is then not declared beside them), the basic `web_search_20250305` / `web_fetch_20250910` for
older models; code execution is `code_execution_20260521`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WEB_SEARCH_LATEST = "web_search_20260209"
WEB_FETCH_LATEST = "web_fetch_20260209"
WEB_SEARCH_BASIC = "web_search_20250305"
WEB_FETCH_BASIC = "web_fetch_20250910"
CODE_EXECUTION = "code_execution_20260521"

# Models older than Opus 4.6 / Sonnet 4.6 have only the basic web tools (no dynamic filtering).
# Anything else, models newer than models.toml included, gets the latest variants.
_BASIC_ONLY_PREFIXES = (
    "claude-3",
    "claude-haiku-4",
    "claude-sonnet-4-5",
    "claude-sonnet-4-2",
    "claude-opus-4-5",
    "claude-opus-4-1",
    "claude-opus-4-2",
)

LOCATION_FIELDS = ("city", "region", "country", "timezone")


@dataclass(slots=True)
class ServerTools:
    """Which server tools a conversation offers Claude, and their options.

    `*_max_uses` 0 means no limit. Domains are bare (`example.com`, `example.com/blog`); the API
    takes allowed or blocked domains for a tool, not both (allowed win, `problem` says so).
    `search_location` holds the non-empty `LOCATION_FIELDS` of the user's approximate place.
    """

    web_search: bool = False
    web_fetch: bool = False
    code_execution: bool = False
    search_max_uses: int = 0
    search_allowed_domains: list[str] = field(default_factory=list)
    search_blocked_domains: list[str] = field(default_factory=list)
    search_location: dict[str, str] = field(default_factory=dict)
    fetch_max_uses: int = 0
    fetch_allowed_domains: list[str] = field(default_factory=list)
    fetch_blocked_domains: list[str] = field(default_factory=list)
    local_tools: bool = True  # offer the tools of the user's MCP servers (Settings › Tools)

    @property
    def any_enabled(self) -> bool:
        return self.web_search or self.web_fetch or self.code_execution

    def to_dict(self) -> dict[str, Any]:
        return {
            "web_search": self.web_search,
            "web_fetch": self.web_fetch,
            "code_execution": self.code_execution,
            "search_max_uses": self.search_max_uses,
            "search_allowed_domains": list(self.search_allowed_domains),
            "search_blocked_domains": list(self.search_blocked_domains),
            "search_location": dict(self.search_location),
            "fetch_max_uses": self.fetch_max_uses,
            "fetch_allowed_domains": list(self.fetch_allowed_domains),
            "fetch_blocked_domains": list(self.fetch_blocked_domains),
            "local_tools": self.local_tools,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ServerTools:
        """Settings saved by any version (missing or malformed fields take their defaults)."""
        data = data if isinstance(data, dict) else {}
        location = data.get("search_location")
        location = location if isinstance(location, dict) else {}
        return cls(
            web_search=bool(data.get("web_search", False)),
            web_fetch=bool(data.get("web_fetch", False)),
            code_execution=bool(data.get("code_execution", False)),
            search_max_uses=_count(data.get("search_max_uses")),
            search_allowed_domains=_domains(data.get("search_allowed_domains")),
            search_blocked_domains=_domains(data.get("search_blocked_domains")),
            search_location={
                k: str(location[k]).strip()
                for k in LOCATION_FIELDS
                if k in location and str(location[k]).strip()
            },
            fetch_max_uses=_count(data.get("fetch_max_uses")),
            fetch_allowed_domains=_domains(data.get("fetch_allowed_domains")),
            fetch_blocked_domains=_domains(data.get("fetch_blocked_domains")),
            local_tools=bool(data.get("local_tools", True)),
        )

    def copy(self) -> ServerTools:
        return ServerTools.from_dict(self.to_dict())


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _domains(value: Any) -> list[str]:
    if isinstance(value, str):
        return parse_domains(value)
    if not isinstance(value, list):
        return []
    return parse_domains(" ".join(str(v) for v in value))


def parse_domains(text: str) -> list[str]:
    """Domains typed by a person ("https://Example.com/, docs.python.org") in the API's form:
    no scheme, no trailing slash, lower-case host, duplicates dropped, order kept."""
    out: list[str] = []
    for word in text.replace(",", " ").replace(";", " ").split():
        word = word.strip().removeprefix("https://").removeprefix("http://").rstrip("/")
        host, _, path = word.partition("/")
        word = host.lower() + (f"/{path}" if path else "")
        if word and word not in out:
            out.append(word)
    return out


def has_dynamic_filtering(model_id: str) -> bool:
    """The model takes the `_20260209` web tools (which run code execution themselves)."""
    return not model_id.startswith(_BASIC_ONLY_PREFIXES)


def problem(tools: ServerTools) -> str | None:
    """What is wrong with the options, in words for the settings panel; None when fine."""
    if tools.search_allowed_domains and tools.search_blocked_domains:
        return "Web search takes allowed or blocked domains, not both: only the allowed are sent."
    if tools.fetch_allowed_domains and tools.fetch_blocked_domains:
        return "Web fetch takes allowed or blocked domains, not both: only the allowed are sent."
    return None


def _domain_params(allowed: list[str], blocked: list[str]) -> dict[str, Any]:
    if allowed:
        return {"allowed_domains": list(allowed)}
    if blocked:
        return {"blocked_domains": list(blocked)}
    return {}


def tool_params(tools: ServerTools, model_id: str) -> list[dict[str, Any]]:
    """The `tools` entries for `tools` on `model_id` (empty when none is enabled).

    Code execution is not declared beside a latest-variant web tool: those run it already, and
    a second execution environment confuses the model (api reference, "Server Tools").
    """
    latest = has_dynamic_filtering(model_id)
    out: list[dict[str, Any]] = []
    if tools.web_search:
        search: dict[str, Any] = {
            "type": WEB_SEARCH_LATEST if latest else WEB_SEARCH_BASIC,
            "name": "web_search",
        }
        if tools.search_max_uses:
            search["max_uses"] = tools.search_max_uses
        search.update(_domain_params(tools.search_allowed_domains, tools.search_blocked_domains))
        if tools.search_location:
            search["user_location"] = {"type": "approximate", **tools.search_location}
        out.append(search)
    if tools.web_fetch:
        fetch: dict[str, Any] = {
            "type": WEB_FETCH_LATEST if latest else WEB_FETCH_BASIC,
            "name": "web_fetch",
            "citations": {"enabled": True},
        }
        if tools.fetch_max_uses:
            fetch["max_uses"] = tools.fetch_max_uses
        fetch.update(_domain_params(tools.fetch_allowed_domains, tools.fetch_blocked_domains))
        out.append(fetch)
    web_runs_code = latest and (tools.web_search or tools.web_fetch)
    if tools.code_execution and not web_runs_code:
        out.append({"type": CODE_EXECUTION, "name": "code_execution"})
    return out
