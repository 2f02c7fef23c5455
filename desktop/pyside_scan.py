"""Spare PySide the source scans of modules it does not need to scan (~10 ms of start-up).

Once PySide6 is imported it replaces `__import__`, and the first time any module passes
through an import statement after that, PySide reads that module's whole source file to see
whether it mentions "PySide6" (so that `from __feature__ import snake_case` applies only to
modules written for PySide; Claude Desk uses no `__feature__`). On the way to the first paint
that is ~95 files read and split into lines, ~10 ms.

Imported by `desktop.app` right after `startup_gc`, this module imports PySide6 and records in
PySide's table what the scan would find: the modules loaded so far and the standard library
(they were written without PySide) as -1, the app's own modules as 0 (PySide, no features). If a
later PySide keeps the table elsewhere, nothing is recorded and PySide scans as before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import PySide6.QtCore  # noqa: F401  (installs PySide's import hook and its table)

WITHOUT_PYSIDE = -1
PYSIDE_NO_FEATURES = 0
APP_PACKAGE = "desktop"
ELSEWHERE = ("desktop.resources",)
"""App modules kept outside the package folder (the top-level resources/ folder)."""


def feature_table() -> dict[str, int] | None:
    """PySide's per-module feature table, or None when this PySide keeps none we know."""
    module = sys.modules.get("shibokensupport.feature")
    table = getattr(module, "pyside_feature_dict", None)
    return table if isinstance(table, dict) else None


def module_names(package: str, folder: Path) -> list[str]:
    """`package` and every module below it, found by listing its folders (nothing imported)."""
    names = [package]
    try:
        entries = list(os.scandir(folder))
    except OSError:  # a frozen app keeps its modules in an archive (and has no source to scan)
        return names
    for entry in entries:
        if entry.name.endswith(".py") and entry.name != "__init__.py":
            names.append(f"{package}.{entry.name[:-3]}")
        elif entry.is_dir() and os.path.exists(os.path.join(entry.path, "__init__.py")):
            names += module_names(f"{package}.{entry.name}", Path(entry.path))
    return names


def record_known_modules(table: dict[str, int]) -> None:
    for name in [*sys.modules, *sys.stdlib_module_names]:
        if not name.startswith(("PySide6", "shiboken6")):
            table.setdefault(name, WITHOUT_PYSIDE)
    for name in [*module_names(APP_PACKAGE, Path(__file__).parent), *ELSEWHERE]:
        table.setdefault(name, PYSIDE_NO_FEATURES)


_table = feature_table()
if _table is not None:
    record_known_modules(_table)
