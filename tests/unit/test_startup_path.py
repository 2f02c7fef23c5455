"""The start-up path's own rules, each checked in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, tmp_path: Path, **extra_env: str) -> str:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CLAUDE_DESK_HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("QT_STYLE_OVERRIDE", None)
    env.update(extra_env)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_importing_the_app_leaves_garbage_collection_as_it_was(tmp_path: Path) -> None:
    code = (
        "import gc\n"
        "gc.collect()\n"
        "import desktop.app\n"
        "print(gc.isenabled(), gc.get_threshold() == (700, 10, 10))\n"
    )
    assert run_python(code, tmp_path) == "True True"


# Fusion's scroll bars are 14 px wide, the Windows style's 16 px (read through the stylesheet).
EXTENT = (
    "from PySide6.QtWidgets import QStyle\n"
    "extent = app.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)\n"
    "print(extent, app.applicationName(), bool(app.styleSheet()))\n"
)


def test_a_new_application_gets_fusion_from_its_arguments(tmp_path: Path) -> None:
    code = "from desktop.launch import create_application\napp = create_application([])\n" + EXTENT
    assert run_python(code, tmp_path, QT_STYLE_OVERRIDE="windows") == "14 Claude Desk True"


def test_an_existing_application_is_set_to_fusion(tmp_path: Path) -> None:
    code = (
        "from PySide6.QtWidgets import QApplication\n"
        "QApplication(['x', '-style', 'windows'])\n"
        "from desktop.launch import create_application\n"
        "app = create_application(['claude-desk'])\n"
    ) + EXTENT
    assert run_python(code, tmp_path) == "14 Claude Desk True"


def test_pyside_reads_no_source_of_the_app_or_the_standard_library_on_the_way_in(
    tmp_path: Path,
) -> None:
    """PySide's import hook would read every module's source (~10 ms); `pyside_scan` spares it."""
    code = (
        "import sys\n"
        "from desktop import pyside_scan\n"
        "feature = sys.modules['shibokensupport.feature']\n"
        "scanned = []\n"
        "scan = feature._mod_uses_pyside\n"
        "feature._mod_uses_pyside = lambda module: scanned.append(module.__name__) or scan(module)\n"
        "import desktop.app, desktop.ui.shell.main_window, json, typing\n"
        "table = feature.pyside_feature_dict\n"
        "ours = [n for n in scanned if n.startswith('desktop') or n in ('json', 'typing', 'os')]\n"
        "print(ours, table['desktop.ui.shell.main_window'], table['typing'], len(scanned) < 20)\n"
    )
    assert run_python(code, tmp_path) == "[] 0 -1 True"


def test_the_app_module_list_matches_the_package() -> None:
    from desktop.pyside_scan import module_names

    names = module_names("desktop", ROOT / "desktop")
    assert {
        "desktop",
        "desktop.app",
        "desktop.ui.shell.main_window",
        "desktop.core.conversation",
    } <= set(names)
    assert not any(name.endswith("__init__") or "__pycache__" in name for name in names)
    assert len(names) == len(set(names))


def test_a_folder_that_is_not_there_lists_only_the_package(tmp_path: Path) -> None:
    from desktop.pyside_scan import module_names

    assert module_names("desktop", tmp_path / "inside-an-archive") == ["desktop"]


def test_the_launcher_makes_the_application_before_the_app_modules_load(tmp_path: Path) -> None:
    """So the fonts can load in a thread while those modules import."""
    code = (
        "import sys\n"
        "from desktop import launch\n"
        "heavy = [m for m in ('desktop.app', 'desktop.ui.shell.main_window') if m in sys.modules]\n"
        "app = launch.create_application([])\n"
        "fonts = launch.load_fonts_in_background(app)\n"
        "fonts.join(10)\n"
        "print(heavy, fonts.name, not fonts.is_alive())\n"
    )
    assert run_python(code, tmp_path) == "[] font-loader True"
