"""Where the conversation is scrolled to while it changes.

Following (at the bottom): a growing answer or a new message keeps the bottom in view.
Not following (the person scrolled up, or an earlier page is going in above): the message at
the top of the view stays where it is, also when text above it is laid out later, until the
person scrolls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.ui.common.enum_props import set_enum_property

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

FOLLOW_SLACK_PX = 8  # this close to the bottom counts as at the bottom


class ScrollKeeper:
    def __init__(
        self, area: QScrollArea, content: QWidget, column: QVBoxLayout, skip: QWidget
    ) -> None:
        """`column` lays out `content`, the scrolled widget of `area`; `skip` (a placeholder
        label) is never an anchor."""
        self._area = area
        self._content = content
        self._column = column
        self._skip = skip
        self.follow = True
        self._anchor: tuple[QWidget, int] | None = None  # kept in place while not following
        self._anchoring = False
        self._bar_pinned = False
        bar = area.verticalScrollBar()
        bar.rangeChanged.connect(self._on_scrollbar_range_changed)
        bar.valueChanged.connect(self._on_scrollbar_value_changed)

    def anchor_top(self) -> None:
        """Keep the message now at the top of the view in place (an earlier page is coming)."""
        anchor = None if self.follow else self.top_in_view()
        if anchor is not None:  # taken now: hiding the button below moves what is in view
            self._anchor = (anchor, anchor.y() - self._area.verticalScrollBar().value())

    def fill_turn(self, work: Callable[[], None]) -> None:
        """Run `work` (messages put in above); what is in view stays in place."""
        bar = self._area.verticalScrollBar()
        anchor, offset = None, 0
        if self._anchor is not None and self._anchor[0].parent() is self._content:
            anchor, offset = self._anchor  # kept since the page was asked for
        elif not self.follow and (anchor := self.top_in_view()) is not None:
            offset = anchor.y() - bar.value()
        work()
        self._column.activate()
        self.fit_content()  # the scrollbar's range follows now, not at the next layout pass
        if anchor is not None and anchor.parent() is self._content:
            self._keep_in_place(anchor, offset)

    def _keep_in_place(self, anchor: QWidget, offset: int) -> None:
        """Scroll so `anchor` is `offset` below the top of the view, now and whenever the
        content's height changes later (text laid out after the fill), until the person scrolls."""
        self._anchor = (anchor, offset)
        self._anchoring = True
        self._area.verticalScrollBar().setValue(anchor.y() - offset)
        self._anchoring = False

    def top_in_view(self) -> QWidget | None:
        """The first message whose bottom is below the top of the view (None: none shown)."""
        top = self._area.verticalScrollBar().value()
        for index in range(self._column.count()):  # top to bottom, stopping at the first
            item = self._column.itemAt(index)
            widget = item.widget() if item is not None else None  # None: button row, stretch
            if widget is None or widget is self._skip or widget.isHidden():
                continue
            if widget.y() + widget.height() > top:
                return widget
        return None

    def pin_scrollbar(self, pinned: bool) -> None:
        """While a page fills in, the scrollbar stays: its coming and going would change the
        width of every message, laying out all their text again."""
        if pinned != self._bar_pinned:
            self._bar_pinned = pinned
            policy = "ScrollBarAlwaysOn" if pinned else "ScrollBarAsNeeded"
            set_enum_property(self._area, "verticalScrollBarPolicy", policy)

    def fit_content(self) -> None:
        """Give the column its height now (the scroll area would at the next layout pass)."""
        height = max(self._area.viewport().height(), self._column.sizeHint().height())
        self._content.resize(self._content.width(), height)

    def _on_scrollbar_value_changed(self, value: int) -> None:
        bar = self._area.verticalScrollBar()
        self.follow = value >= bar.maximum() - FOLLOW_SLACK_PX
        if not self._anchoring:
            self._anchor = None  # scrolled by the person (or to the bottom): no anchor

    def _on_scrollbar_range_changed(self, _minimum: int, maximum: int) -> None:
        if self.follow:
            self._area.verticalScrollBar().setValue(maximum)
        elif self._anchor is not None and self._anchor[0].parent() is self._content:
            self._column.activate()  # the messages' new places, before scrolling to one
            self._keep_in_place(*self._anchor)
