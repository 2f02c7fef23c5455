"""How the sidebar draws a conversation: its title, a pin mark when pinned, and for a search
result a second line with a snippet of the match, the matched words in bold.

Only visible rows are painted (the list's model stays paged), and every row of a list has the
same height (one line, or two for search results), so the view never measures rows one by one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.core.search import ConversationHit, snippet_pieces

if TYPE_CHECKING:
    from PySide6.QtCore import QModelIndex, QPersistentModelIndex

ROW_PADDING = 4  # px above and below the text
SIDE_PADDING = 6  # px left and right of the text
PIN_WIDTH = 14  # px kept at the right of a pinned row for its mark
CONVERSATION_ROLE = 256 + 1  # the model's ConversationRole


class ConversationDelegate(QStyledItemDelegate):
    """Paints a conversation row (see the module docstring)."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        lines = 2 if isinstance(index.data(CONVERSATION_ROLE), ConversationHit) else 1
        height = lines * option.fontMetrics.lineSpacing() + 2 * ROW_PADDING
        return QSize(max(option.rect.width(), 1), height)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        item = index.data(CONVERSATION_ROLE)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # the background, selection and focus only; the text is drawn below
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        if item is None:
            return
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        rect = opt.rect.adjusted(SIDE_PADDING, ROW_PADDING, -SIDE_PADDING, -ROW_PADDING)
        painter.save()
        if item.pinned:
            pin_role = text_role if selected else QPalette.ColorRole.Highlight
            _paint_pin(painter, rect.right() - PIN_WIDTH // 2, rect.top(), opt.palette, pin_role)
            rect.setRight(rect.right() - PIN_WIDTH)
        metrics = opt.fontMetrics
        painter.setFont(opt.font)
        painter.setPen(opt.palette.color(text_role))
        title = metrics.elidedText(item.title, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect.left(), rect.top() + metrics.ascent(), title)
        if isinstance(item, ConversationHit) and item.snippet:
            if not selected:
                painter.setPen(opt.palette.color(QPalette.ColorRole.PlaceholderText))
            baseline = rect.top() + metrics.lineSpacing() + metrics.ascent()
            _paint_snippet(painter, item.snippet, opt.font, rect.left(), baseline, rect.width())
        painter.restore()


def _paint_snippet(
    painter: QPainter, snippet: str, font: QFont, left: int, baseline: int, width: int
) -> None:
    """The snippet on one line from `left`, marked words in bold, cut with "…" at `width`."""
    bold = QFont(font)
    bold.setBold(True)
    fonts = {False: (font, QFontMetrics(font)), True: (bold, QFontMetrics(bold))}
    x = left
    for text, marked in snippet_pieces(snippet):
        piece_font, metrics = fonts[marked]
        room = left + width - x
        advance = metrics.horizontalAdvance(text)
        if advance > room:
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
            advance = room
        painter.setFont(piece_font)
        painter.drawText(x, baseline, text)
        x += advance
        if x >= left + width:
            break


def _paint_pin(
    painter: QPainter, x: int, top: int, palette: QPalette, role: QPalette.ColorRole
) -> None:
    """A small pin: a round head and its needle, about a line high."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    colour = palette.color(role)
    painter.setPen(colour)
    painter.setBrush(colour)
    painter.drawEllipse(QPointF(x + 1.5, top + 4.5), 3.5, 3.5)
    painter.drawLine(QPointF(x + 1.0, top + 6.0), QPointF(x - 2.5, top + 12.5))
    painter.setBrush(Qt.BrushStyle.NoBrush)
