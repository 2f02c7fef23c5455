"""No garbage collection while the app's modules load (imported first by `desktop.app`).

Importing PySide6 and the app allocates tens of thousands of objects that live for the whole
run; the collector would walk them again and again (~20 ms of the first paint). Collection
is paused from here until `resume()` at the end of `desktop.app`'s import; `main()` pauses
it again until the window has painted.
"""

from __future__ import annotations

import gc

_was_enabled = gc.isenabled()
gc.disable()


def resume() -> None:
    """Collection back as it was before the app's modules loaded."""
    if _was_enabled:
        gc.enable()
