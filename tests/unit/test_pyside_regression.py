"""PySide6 6.12.0 on CPython 3.11 drops a reference to None on every void call and aborts the
process (`none_dealloc`) after a few thousand calls. This fails if an upgrade brings that back."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication, QProgressBar
app = QApplication([])
bar = QProgressBar()
before = sys.getrefcount(None)
for i in range(300_000):
    app.processEvents()
    bar.setValue(i % 100)
after = sys.getrefcount(None)
print(before, after)
"""


def test_many_void_calls_do_not_leak_none_references() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    before, after = map(int, result.stdout.split())
    assert after >= before - 1000, f"None lost {before - after} references"
