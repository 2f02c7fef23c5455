"""Time from process start to the main window's first paint: `bare` or `app` (run as a script).

Prints `first_paint` (the main window receives its first paint event: the frame starts) and
`frame_done` (the event processing that painted that frame has returned).

The paint is observed with an event filter on the main window alone. An application-wide
Python event filter would itself cost ~30 ms once a window holds text: every event of every
object then crosses into Python, and wrapping those objects makes PySide build ~190 enum
classes before the paint (measured: a QMainWindow holding one QLabel paints 9 ms after show
unobserved and with a window filter, 39 ms with an application filter). No user pays that.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import sys  # noqa: E402


def _elapsed() -> float:
    return time.perf_counter() - START


def _watch_first_paint(window):  # type: ignore[no-untyped-def]
    """Record the first paint event the window itself receives (each frame starts there)."""
    from PySide6.QtCore import QEvent, QObject

    paint = QEvent.Type.Paint

    class Watcher(QObject):
        painted_at: float | None = None

        def eventFilter(self, obj, event):  # type: ignore[no-untyped-def]
            if self.painted_at is None and event.type() == paint:
                self.painted_at = _elapsed()
            return False

    watcher = Watcher()
    window.installEventFilter(watcher)
    return watcher


def _report(watcher, frame_done: float) -> None:  # type: ignore[no-untyped-def]
    print(f"first_paint {watcher.painted_at:.6f}")
    print(f"frame_done {frame_done:.6f}")


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([])
    window = QMainWindow()
    window.resize(1180, 780)
    watcher = _watch_first_paint(window)
    window.show()
    while watcher.painted_at is None:
        app.processEvents()
    _report(watcher, _elapsed())


def desk() -> None:
    """The real start-up path, `desktop.launch.main`, watching the main window's first paint.

    `QWidget.show` is wrapped (not the app's classes: importing them here would change the
    order in which the app loads) to put the watcher on the first main window shown.
    """
    from PySide6.QtWidgets import QMainWindow, QWidget

    from desktop import launch

    show_window = launch.show_window
    original_show = QWidget.show
    watchers = []

    def show_and_watch(widget):  # type: ignore[no-untyped-def]
        if not watchers and isinstance(widget, QMainWindow):
            watchers.append(_watch_first_paint(widget))
        original_show(widget)

    def show_window_and_report(argv, args, *rest):  # type: ignore[no-untyped-def]
        desk = show_window(argv, args, *rest)  # returns once the first frame is painted
        frame_done = _elapsed()
        QWidget.show = original_show
        _report(watchers[0], frame_done)
        print(f"sdk_imported {'anthropic' in sys.modules}")
        print(f"asyncio_imported {'asyncio' in sys.modules} qasync {'qasync' in sys.modules}")
        desk.window.close()
        return desk

    QWidget.show = show_and_watch  # type: ignore[method-assign]
    launch.show_window = show_window_and_report
    sys.exit(launch.main([]))


if __name__ == "__main__":
    {"bare": bare, "app": desk}[sys.argv[1]]()
