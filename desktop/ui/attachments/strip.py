"""The row of attached images above the composer (the full-size preview: image_preview)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.attachments.pending import PendingImage, PendingImages
from desktop.ui.attachments.pixmaps import pixmap_from
from desktop.ui.common.restyle import repolish

if TYPE_CHECKING:
    from PySide6.QtGui import QMouseEvent

CHIP_THUMB = 48
CHIPS_PER_TURN = 2
"""New chips made (styled, laid out, painted) at once; more (ten dropped photos) follow a frame
later, so the UI thread never stops for long."""
_NEXT_TURN_MS = 1  # a timer, not a queued call: paint and input come first
_TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\x0bIDATx\x9cc`\x00\x02\x00\x00\x05\x00\x01z^\xab?\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)
_png_warm = False
_WARM_AFTER_MS = 40  # a frame of its own, well before the first image is ready (~150 ms)


def _warm_png_decoding() -> None:
    """Load Qt's PNG reader (~4 ms the first time) while images are still being prepared,
    not in the frame that shows the first thumbnail."""
    global _png_warm
    if not _png_warm:
        _png_warm = True
        pixmap_from(_TINY_PNG)


def chip_detail(item: PendingImage) -> str:
    """``1568 × 1045 px · ~2,100 tokens``, "from URL", or that it is still being prepared."""
    if item.url is not None:
        return "from URL"
    if item.prepared is None:
        return "preparing…"
    prepared = item.prepared
    return f"{prepared.width} × {prepared.height} px · ~{item.tokens:,} tokens"


class AttachmentChip(QFrame):
    """One attached image: thumbnail, name, size and tokens, a remove button; click to view."""

    remove_requested = Signal(int)
    open_requested = Signal(int)

    def __init__(self, item: PendingImage, parent: QWidget | None = None) -> None:
        from PySide6.QtCore import Qt  # on use: the first paint never needs it (enum_props)

        super().__init__(parent)
        self.item = item
        self.setObjectName("attachment_chip")
        self.setProperty("preparing", item.preparing)
        self.setAccessibleName(f"Attached image {item.name}")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        self.thumbnail = QLabel(self)
        self.thumbnail.setObjectName("attachment_thumbnail")
        self.thumbnail.setFixedSize(CHIP_THUMB, CHIP_THUMB)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column = QVBoxLayout()
        column.setSpacing(0)
        self.name_label = QLabel(item.name, self)
        self.name_label.setObjectName("attachment_name")
        self.detail_label = QLabel(self)
        self.detail_label.setObjectName("attachment_detail")
        column.addWidget(self.name_label)
        column.addWidget(self.detail_label)
        self.remove_button = QToolButton(self)
        self.remove_button.setObjectName("remove_attachment_button")
        self.remove_button.setText("×")
        self.remove_button.setToolTip(f"Remove {item.name}")
        self.remove_button.setAccessibleName(f"Remove {item.name}")
        self.remove_button.setAutoRaise(True)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        row.addWidget(self.thumbnail)
        row.addLayout(column)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        self._shown: tuple[object, bytes] | None = None
        if item.url is not None:
            self.thumbnail.setText("URL")
            self.setToolTip(f"{item.url}\nClaude downloads this image itself; click to open it.")
        self.refresh()

    def refresh(self) -> None:
        """Show the item's current state (preparing, or prepared with its thumbnail)."""
        from PySide6.QtCore import Qt  # on use: the first paint never needs it (enum_props)

        item = self.item
        state = (item.prepared, item.thumbnail)
        shown = self._shown
        if shown is not None and shown[0] is state[0] and shown[1] is state[1]:
            return  # nothing new: keep the pixmap, no restyle
        self._shown = state
        if bool(self.property("preparing")) != item.preparing:
            self.setProperty("preparing", item.preparing)
            repolish(self)
        self.detail_label.setText(chip_detail(item))
        if item.thumbnail and (shown is None or shown[1] is not item.thumbnail):
            self.thumbnail.setPixmap(
                pixmap_from(item.thumbnail).scaled(
                    CHIP_THUMB,
                    CHIP_THUMB,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    def _on_remove_clicked(self) -> None:
        self.remove_requested.emit(self.item.id)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        from PySide6.QtCore import Qt  # on use: the first paint never needs it (enum_props)

        openable = self.item.prepared is not None or self.item.url is not None
        if event.button() == Qt.MouseButton.LeftButton and openable:
            self.open_requested.emit(self.item.id)
        super().mouseReleaseEvent(event)


class AttachmentStrip(QWidget):
    """Chips of the pending images and, after a problem, a message saying what went wrong."""

    def __init__(self, pending: PendingImages, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachment_strip")
        self.setAccessibleName("Attached images")
        self.pending = pending
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(4)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("attachment_message")
        self.message_label.setWordWrap(True)
        self.message_label.setVisible(False)
        self._row = QHBoxLayout()
        self._row.setSpacing(6)
        self._row.addStretch(1)
        layout.addWidget(self.message_label)
        layout.addLayout(self._row)
        self._chips: list[AttachmentChip] = []
        self._made_this_turn = 0
        self._next_turn_scheduled = False
        pending.changed.connect(self._on_pending_changed)
        pending.failed.connect(self.add_problem)
        self._on_pending_changed()

    def chips(self) -> list[AttachmentChip]:
        return list(self._chips)

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))
        self._update_visible()

    def add_problem(self, text: str) -> None:
        """Another image could not be used: say so below the earlier problems."""
        shown = self.message_label.text() if self.message_label.isVisibleTo(self) else ""
        self.show_message(f"{shown}\n{text}" if shown else text)

    def _on_pending_changed(self) -> None:
        """Bring the chips in line with the pending images, touching only what changed.

        Ten dropped files are ten `changed` signals, and each finished image one more: making
        every chip (and its thumbnail pixmap) again each time would stall the UI thread. So
        would making (styling, laying out, painting) ten new chips in one go: at most
        `CHIPS_PER_TURN` are made at once, the others in the next passes of the event loop.
        """
        items = self.pending.items
        wanted = {item.id for item in items}
        kept: dict[int, AttachmentChip] = {}
        for old in self._chips:
            if old.item.id in wanted:
                kept[old.item.id] = old
            else:
                self._row.removeWidget(old)
                old.hide()
                old.deleteLater()
        chips: list[AttachmentChip] = []
        for index, item in enumerate(items):
            existing = kept.get(item.id)
            if existing is not None:
                existing.refresh()
                chips.append(existing)
                continue
            self._schedule_next_turn()
            if self._made_this_turn >= CHIPS_PER_TURN:
                break  # the rest next time
            self._made_this_turn += 1
            if not _png_warm:
                QTimer.singleShot(_WARM_AFTER_MS, _warm_png_decoding)
            chip = AttachmentChip(item, self)
            chip.remove_requested.connect(self.pending.remove)
            chip.open_requested.connect(self._on_chip_open_requested)
            self._row.insertWidget(index, chip)  # the row holds chips[:index] before it
            chips.append(chip)
        self._chips = chips
        self._update_visible()

    def _schedule_next_turn(self) -> None:
        if not self._next_turn_scheduled:
            self._next_turn_scheduled = True
            QTimer.singleShot(_NEXT_TURN_MS, self, self._on_next_turn)

    def _on_next_turn(self) -> None:
        self._next_turn_scheduled = False
        self._made_this_turn = 0
        if len(self._chips) < len(self.pending.items):
            self._on_pending_changed()

    def _update_visible(self) -> None:
        self.setVisible(bool(self._chips) or not self.message_label.isHidden())

    def _on_chip_open_requested(self, item_id: int) -> None:
        item = next((i for i in self.pending.items if i.id == item_id), None)
        if item is not None and item.url is not None:
            from PySide6.QtCore import QUrl
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(QUrl(item.url))  # a web image: the browser shows it
        elif item is not None and item.prepared is not None:
            from desktop.ui.attachments.preview import ImagePreviewDialog  # on first use

            ImagePreviewDialog(item.prepared.data, item.name, self.window()).open()
