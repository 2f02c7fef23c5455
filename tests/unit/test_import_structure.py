"""The package's shape: no import circles anywhere, every package folder installed, UI rooms small.

Circles are found on grimp's graph (the one import-linter checks), type-checking imports
included: a circle there is still two modules that cannot be understood one without the other.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "desktop"
MAX_UI_MODULE_LINES = 400
MAX_CLASS_METHODS = 25


def _cycles() -> list[list[str]]:
    graph = grimp.build_graph("desktop", cache_dir=None)
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.find_modules_directly_imported_by(module)):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_circles() -> None:
    assert _cycles() == []


def test_every_package_folder_is_installed() -> None:
    """A new room must be listed in pyproject.toml, or the installed app misses its modules."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in PACKAGE.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert folders <= listed


def _python_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.py") if "__pycache__" not in p.parts]


def test_ui_modules_stay_small() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files(PACKAGE / "ui")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_UI_MODULE_LINES
    }
    assert long == {}


def test_no_class_has_too_many_methods() -> None:
    large = {}
    for path in _python_files(PACKAGE):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                methods = [
                    item
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                ]
                if len(methods) > MAX_CLASS_METHODS:
                    large[f"{path.relative_to(ROOT)}:{node.name}"] = len(methods)
    assert large == {}
