"""The QApplication with the app's names, icon and theme (for the app, smoke runs and tools)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from desktop.resources import resource_path

APP_ICON = "icons/claude-desk.svg"


def create_application(argv: Sequence[str], theme: str | None = None) -> QApplication:
    """The QApplication (or the existing one) with the app's names, icon and theme
    ("light", "dark" or "system"; None: system until the app applies the saved choice)."""
    from PySide6.QtGui import QIcon

    from desktop.ui.shell.theme import STYLE_ARGS, ThemeMode, apply_theme, parse_mode

    existing = QApplication.instance()
    program = list(argv[:1]) or ["claude-desk"]
    app = existing or QApplication([*program, *STYLE_ARGS, *argv[1:]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Claude Desk")
    app.setOrganizationName("ClaudeDesk")
    app.setDesktopFileName("claude-desk")
    app.setQuitOnLastWindowClosed(False)  # run() ends when the main window closes
    icon = resource_path(APP_ICON)
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    apply_theme(app, style_set=existing is None, mode=parse_mode(theme) or ThemeMode.SYSTEM)
    return app
