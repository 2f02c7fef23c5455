"""Time from process start to the main window's first paint: `bare` or `app` (run as a script)."""

from __future__ import annotations

import time

START = time.perf_counter()

import sys  # noqa: E402


def _paint_watcher(app, on_paint):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QMainWindow, QWidget

    class Watcher(QObject):
        def eventFilter(self, obj, event):  # type: ignore[no-untyped-def]
            is_paint = event.type() == QEvent.Type.Paint and isinstance(obj, QWidget)
            if is_paint and isinstance(obj.window(), QMainWindow):
                on_paint(obj.window())
                app.removeEventFilter(self)
            return False

    watcher = Watcher()
    app.installEventFilter(watcher)
    return watcher


def bare() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([])
    window = QMainWindow()
    window.resize(1180, 780)

    def painted(_window):  # type: ignore[no-untyped-def]
        print(f"first_paint {time.perf_counter() - START:.6f}")
        QTimer.singleShot(0, app.quit)

    watcher = _paint_watcher(app, painted)  # noqa: F841
    window.show()
    app.exec()


def desk() -> None:
    import asyncio

    import qasync

    from desktop.app import create_application, parse_args, run

    app = create_application([sys.argv[0]])

    def painted(window):  # type: ignore[no-untyped-def]
        elapsed = time.perf_counter() - START
        print(f"first_paint {elapsed:.6f}")
        print(f"sdk_imported {'anthropic' in sys.modules}")
        window.close()

    watcher = _paint_watcher(app, painted)  # noqa: F841
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(run(app, parse_args([])))


if __name__ == "__main__":
    {"bare": bare, "app": desk}[sys.argv[1]]()
