"""The About dialog: version, and the licences of the components Claude Desk ships with."""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.version import APP_NAME, app_version

LICENCES = """
<p><b>Bundled components</b></p>
<ul>
<li>Qt {qt} and PySide6 {pyside} — GNU LGPL v3. You may replace these libraries with your own
build; their source is at qt.io and download.qt.io/official_releases/QtForPython.</li>
<li>Anthropic Python SDK — MIT.</li>
<li>qasync — BSD 2-Clause. keyring — MIT. platformdirs — MIT.</li>
<li>markdown-it-py — MIT. Pygments — BSD 2-Clause. Pillow — MIT-CMU (HPND).</li>
<li>Python — PSF License.</li>
</ul>
"""


def about_html() -> str:
    return (
        f"<h2>{APP_NAME}</h2><p>Version {app_version()}</p>"
        "<p>A native desktop assistant for the Claude API.</p>"
        + LICENCES.format(qt=qVersion(), pyside=pyside_version)
    )


def show_about(parent: QWidget | None) -> None:
    box = QMessageBox(parent)
    box.setObjectName("about_dialog")
    box.setWindowTitle(f"About {APP_NAME}")
    box.setText(about_html())
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
