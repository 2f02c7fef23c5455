"""An image given by address (Claude downloads it): its file name, a link to open it."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop.core.images import url_file_name


def url_image_label(url: str, parent: QWidget) -> QLabel:
    """An image Claude downloaded from the web: its file name, a link to open it."""
    label = QLabel(parent)
    label.setObjectName("message_image_url")
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setOpenExternalLinks(True)
    label.setText(
        f'🔗 <a href="{html.escape(url)}">{html.escape(url_file_name(url))}</a> (from URL)'
    )
    label.setToolTip(url)
    label.setAccessibleName(f"Image from {url}")
    return label
