"""Import from Claude Desktop: find (or ask for) its config file, read it, say what happened.

The file is small (a few KB): it is read where the person clicked. What to add is decided by
`core.mcp_edit.plan_import`; this module only finds, reads and words the outcome.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop.core.desktop_config import DesktopConfig, default_config_path, read_desktop_config
from desktop.core.local_tools import McpServerConfig
from desktop.core.mcp_edit import ImportPlan, plan_import

ParseConfig = Callable[[str], "DesktopConfig | list[McpServerConfig]"]
FindConfig = Callable[[], "Path | None"]
FILE_FILTER = (
    "Claude Desktop config (claude_desktop_config.json);;JSON files (*.json);;All files (*)"
)


def find_desktop_config() -> Path | None:
    """The official app's config file on this computer, if it is where that app keeps it."""
    path = Path(default_config_path(sys.platform, str(Path.home()), dict(os.environ)))
    return path if path.is_file() else None


def pick_config_file(parent: QWidget) -> Path | None:
    """Ask for a config file (starting where the official app keeps it); None if cancelled."""
    start = Path(default_config_path(sys.platform, str(Path.home()), dict(os.environ))).parent
    if not start.is_dir():
        start = Path.home()
    chosen, _ = QFileDialog.getOpenFileName(
        parent, "Import MCP servers from a Claude Desktop config", str(start), FILE_FILTER
    )
    return Path(chosen) if chosen else None


@dataclass(slots=True)
class ImportOutcome:
    plan: ImportPlan
    warnings: list[str]
    path: Path


def import_file(
    path: Path, existing: Sequence[McpServerConfig], parse: ParseConfig = read_desktop_config
) -> ImportOutcome:
    """Read and plan an import of `path`.

    Raises:
        ValueError: the file cannot be read or is not a config (words for a person).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"The file could not be read: {exc}") from None
    parsed = parse(text)
    config = parsed if isinstance(parsed, DesktopConfig) else DesktopConfig(list(parsed))
    return ImportOutcome(plan_import(existing, config.servers), config.warnings, path)


def report(outcome: ImportOutcome) -> str:
    """What an import did, in sentences (one per line)."""
    plan = outcome.plan
    names = ", ".join(s.name for s in plan.added)
    count = len(plan.added)
    lines = [
        f"Imported {count} server{'' if count == 1 else 's'}: {names}."
        if count
        else "No new servers were imported."
    ]
    lines += [
        f"“{old}” was renamed “{new}”: another server has that name." for old, new in plan.renamed
    ]
    if plan.skipped:
        skipped = ", ".join(f"“{n}”" for n in plan.skipped)
        lines.append(f"Skipped {skipped}: already set up here.")
    lines += outcome.warnings
    return "\n".join(lines)


def tell(parent: QWidget, title: str, text: str, path: Path, *, error: bool = False) -> QMessageBox:
    """Show what an import did (or why it did nothing), naming the file; returns the box."""
    icon = QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("mcp_import_report")
    box.setInformativeText(f"From {path}")
    box.finished.connect(box.deleteLater)
    box.open()
    return box
