"""The one version number, read from the installed package metadata (set in pyproject.toml)."""

from __future__ import annotations

from importlib import metadata

APP_NAME = "Claude Desk"


def app_version() -> str:
    try:
        return metadata.version("claude-desk")
    except metadata.PackageNotFoundError:
        return "0+unknown"
