"""`claude-desk` and `python -m desktop`: the QApplication first, then the app around it.

The QApplication is made before the app's modules are imported, so that the font database
(fontconfig, ~5-10 ms) loads in a thread while they import: Qt's font functions are thread-safe
and PySide lets go of the GIL inside them. The window is painted before asyncio and qasync are
imported; the SDK loads after that, off the UI thread (see `desktop.app`).
"""

from __future__ import annotations

# isort: off
from desktop import startup_gc  # first: no collections while the modules below load
from desktop import pyside_scan  # noqa: F401  second: PySide told which modules need no scan

# isort: on

import gc
import os
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop.api import wire
from desktop.application import create_application
from desktop.cli import Options, parse_args

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from desktop.app import DeskApp
    from desktop.single_instance import SingleInstance


def load_fonts_in_background(app: QApplication) -> threading.Thread:
    """Load the font database and the application font in a thread: the first text the window
    lays out then finds them ready instead of waiting for fontconfig.

    The thread makes one Qt call (measuring a word loads the database and the font), during
    which PySide lets go of the GIL: it never competes with the imports for it."""
    from PySide6.QtGui import QFontMetrics

    measure = QFontMetrics(app.font()).horizontalAdvance
    thread = threading.Thread(target=measure, args=("Claude Desk",), name="font-loader")
    thread.daemon = True
    thread.start()
    return thread


def show_window(
    argv: list[str], args: Options, instance: SingleInstance | None = None
) -> DeskApp | None:
    """The window, painted once, before asyncio and qasync are even imported.

    No garbage collection meanwhile: what is built here lives for the whole run, and the
    collector would only walk it again and again.
    """
    gc.disable()
    try:
        app = create_application(argv, args.theme)
        fonts = load_fonts_in_background(app)
        from desktop.app import open_desk  # the app's modules import while the fonts load

        desk = open_desk(app, args, instance)
        if desk is not None:
            app.processEvents()  # the first paint
        fonts.join()
        return desk
    finally:
        gc.enable()


def claim_data_folder() -> SingleInstance | None:
    """This run's claim on its data folder (before the window: a second launch stays light),
    or None when another running Claude Desk holds it."""
    from desktop.single_instance import SingleInstance
    from desktop.storage.paths import AppPaths

    instance = SingleInstance(AppPaths.resolve().ensure().data_dir)
    return instance if instance.claim() else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [wire.CHILD_FLAG]:  # the streaming child (the frozen app's binary runs it so)
        from desktop.api.stream_child import main as child_main

        return child_main()
    args = parse_args(argv)
    if args.portable:
        from desktop.storage.paths import HOME_ENV, portable_home

        os.environ[HOME_ENV] = str(portable_home(force=True))
    if args.smoke:
        from desktop.smoke import run_smoke

        return run_smoke(args, [sys.argv[0], *argv])
    instance = claim_data_folder()
    if instance is None:  # another Claude Desk uses this data: bring it forward instead
        from desktop.single_instance import already_running
        from desktop.storage.paths import AppPaths

        return already_running(AppPaths.resolve().data_dir)
    desk = show_window([sys.argv[0], *argv], args, instance)
    if desk is None:
        instance.release()
        return 1
    import asyncio

    import qasync

    loop = qasync.QEventLoop(desk.app)
    asyncio.set_event_loop(loop)
    with loop:
        return int(loop.run_until_complete(desk.serve()))


startup_gc.resume()
