"""An image at full size, from a chip above the composer or a message in the conversation."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.ui.attachments.pixmaps import pixmap_from


class ImagePreviewDialog(QDialog):
    """An image at full size (scrollable when larger than the screen)."""

    def __init__(self, data: bytes, title: str, parent: QWidget | None = None) -> None:
        from PySide6.QtCore import Qt  # on use: the first paint never needs it (enum_props)

        super().__init__(parent)
        self.setObjectName("image_preview")
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.image_label = QLabel(self)
        self.image_label.setObjectName("preview_image")
        self.image_label.setPixmap(pixmap_from(data))
        area = QScrollArea(self)
        area.setWidget(self.image_label)
        area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(area)
        pixmap = self.image_label.pixmap()
        self.resize(min(pixmap.width() + 24, 1200), min(pixmap.height() + 24, 900))
