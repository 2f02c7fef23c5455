"""The one version number, read from the installed package metadata (set in pyproject.toml)."""

from __future__ import annotations

APP_NAME = "Claude Desk"


def app_version() -> str:
    from importlib import metadata  # ~15 ms to import: only when the version is asked for

    try:
        return metadata.version("claude-desk")
    except metadata.PackageNotFoundError:
        return "0+unknown"
