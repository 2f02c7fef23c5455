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
    """The real start-up path: `desktop.app.main`, with a watcher on the first paint."""
    from desktop import app as desk_app

    create = desk_app.create_application

    def painted(window):  # type: ignore[no-untyped-def]
        elapsed = time.perf_counter() - START
        print(f"first_paint {elapsed:.6f}")
        print(f"sdk_imported {'anthropic' in sys.modules}")
        print(f"asyncio_imported {'asyncio' in sys.modules} qasync {'qasync' in sys.modules}")
        window.close()

    def create_and_watch(argv):  # type: ignore[no-untyped-def]
        app = create(argv)
        app._paint_watcher = _paint_watcher(app, painted)  # kept alive with the app
        return app

    desk_app.create_application = create_and_watch
    sys.exit(desk_app.main([]))


if __name__ == "__main__":
    {"bare": bare, "app": desk}[sys.argv[1]]()
