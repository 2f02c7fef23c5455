"""Data files shipped with the app (models.toml, icons, licenses)."""

from pathlib import Path


def resource_path(name: str) -> Path:
    """A file shipped here (a plain folder in every install, bundles too)."""
    return Path(__file__).parent / name
