"""A bar chart of cost per day, each bar stacked by model, painted with QPainter.

PySide6-Essentials has no QtCharts; a few rectangles and labels are all this needs.
"""

from __future__ import annotations

import math
from decimal import Decimal

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop.core.pricing import format_usd
from desktop.core.spend import DaySpend, day_tools_text
from desktop.ui.common.theme_state import colour, current, theme_signals

Series = tuple[str, bool]  # model, batch

MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 12, 12, 44
LEGEND_ROW = 18


def nice_ceiling(amount: Decimal) -> Decimal:
    """The smallest of 1, 2, 5 × 10^k that is at least `amount` (0 stays 0)."""
    if amount <= 0:
        return Decimal(0)
    power = Decimal(10) ** (amount.adjusted())
    for step in (1, 2, 5, 10):
        if amount <= power * step:
            return power * step
    return power * 10  # pragma: no cover - the loop always returns


def axis_usd(amount: Decimal) -> str:
    """A scale label: '$0', '$0.05', '$2.50', '$1,000'."""
    if amount == 0:
        return "$0"
    if amount >= 100:
        return f"${amount:,.0f}"
    text = f"{amount.normalize():f}"
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


def series_color(index: int) -> QColor:
    """The theme's colour for the `index`-th series (`Palette.chart_series`, repeating)."""
    colours = current().chart_series
    return QColor(colours[index % len(colours)])


def series_name(series: Series) -> str:
    model, batch = series
    return f"{model} (batch)" if batch else model


Bars = tuple[Decimal, list[list[tuple[int, float]]]]


def bar_stacks(days: list[DaySpend], series: list[Series]) -> Bars:
    """The scale's top and each day's stack as (series index, fraction of the scale), worked
    out once: years of days are painted at every resize, and Decimal arithmetic per bar took
    ~50 ms a paint."""
    peak = nice_ceiling(max((day.total for day in days), default=Decimal(0)))
    scale = peak or Decimal(1)
    stacks = [
        [(i, float(day.costs[s] / scale)) for i, s in enumerate(series) if day.costs.get(s)]
        for day in days
    ]
    return peak, stacks


class SpendChart(QWidget):
    """Stacked bars: one per day, one colour per model (batch usage hatched)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spend_chart")
        self.setAccessibleName("Cost per day, by model")
        self.setMinimumSize(480, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.days: list[DaySpend] = []
        self.series: list[Series] = []
        self._peak = Decimal(0)
        self._stacks: list[list[tuple[int, float]]] = []
        theme_signals().changed.connect(self.update)  # painted in the theme's colours

    def set_data(
        self, days: list[DaySpend], series: list[Series], bars: Bars | None = None
    ) -> None:
        """Show `days`; `bars` is `bar_stacks(days, series)` when worked out already (in a
        worker: ten years of days take ~10 ms)."""
        self.days = days
        self.series = series
        self._peak, self._stacks = bars if bars is not None else bar_stacks(days, series)
        self.setToolTip(self._describe())
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(720, 260)

    def peak(self) -> Decimal:
        """The top of the scale: the largest day rounded up to 1, 2 or 5 × a power of ten."""
        return self._peak

    def day_at(self, x: float) -> DaySpend | None:
        """The day whose bar slot holds the x coordinate `x`."""
        plot_width = self.width() - MARGIN_LEFT - MARGIN_RIGHT
        if not self.days or plot_width <= 0 or not MARGIN_LEFT <= x < MARGIN_LEFT + plot_width:
            return None
        return self.days[int((x - MARGIN_LEFT) / plot_width * len(self.days))]

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            day = self.day_at(event.pos().x())
            QToolTip.showText(
                event.globalPos(), self._day_tip(day) if day else self.toolTip(), self
            )
            return True
        return super().event(event)

    def _day_tip(self, day: DaySpend) -> str:
        lines = [f"{day.day}: {format_usd(day.total)}"]
        for series in self.series:
            if amount := day.costs.get(series):
                lines.append(f"  {series_name(series)}: {format_usd(amount)}")
        if tools := day_tools_text(day):
            lines.append(f"  {tools}")
        return "\n".join(lines)

    def _describe(self) -> str:
        spent = [d for d in self.days if d.total > 0]
        if not spent:
            return "No priced spending in this range."
        top = max(spent, key=lambda d: d.total)
        return f"{len(spent)} days with spending; the most on {top.day}: {format_usd(top.total)}"

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), colour("surface"))
        legend_height = self._legend_rows() * LEGEND_ROW
        plot = QRectF(
            MARGIN_LEFT,
            MARGIN_TOP,
            max(1, self.width() - MARGIN_LEFT - MARGIN_RIGHT),
            max(1, self.height() - MARGIN_TOP - MARGIN_BOTTOM - legend_height),
        )
        self._paint_axes(painter, plot)
        self._paint_bars(painter, plot)
        self._paint_day_labels(painter, plot)
        self._paint_legend(painter, plot.bottom() + 24)
        painter.end()

    def _paint_axes(self, painter: QPainter, plot: QRectF) -> None:
        peak = self.peak()
        painter.setPen(QPen(colour("chart_grid")))
        for fraction in (0.25, 0.5, 0.75, 1.0):
            y = plot.bottom() - plot.height() * fraction
            painter.drawLine(int(plot.left()), int(y), int(plot.right()), int(y))
        painter.setPen(QPen(colour("text_muted")))
        painter.drawLine(
            int(plot.left()), int(plot.bottom()), int(plot.right()), int(plot.bottom())
        )
        labels = ((0.0, Decimal(0)), (0.5, peak / 2), (1.0, peak)) if peak > 0 else ((0.0, peak),)
        for fraction, amount in labels:
            y = plot.bottom() - plot.height() * fraction
            box = QRectF(0, y - 8, MARGIN_LEFT - 6, 16)
            align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(box, int(align), axis_usd(amount))

    def _paint_bars(self, painter: QPainter, plot: QRectF) -> None:
        peak = self.peak()
        if not self.days or peak <= 0:
            painter.setPen(QPen(colour("border_strong")))
            painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), "No priced spending yet")
            return
        slot = plot.width() / len(self.days)
        width = max(1.0, min(36.0, slot * 0.7))
        painter.setPen(Qt.PenStyle.NoPen)
        brushes = [self._brush(index, series) for index, series in enumerate(self.series)]
        shown = -1  # with more days than pixels, one bar per pixel column: its tallest day
        for i, stack in self._tallest_per_column(slot):
            x = plot.left() + slot * i + (slot - width) / 2
            if int(x) == shown:
                continue
            shown = int(x)
            bottom = plot.bottom()
            for index, fraction in stack:
                height = fraction * plot.height()
                painter.fillRect(QRectF(x, bottom - height, width, height), brushes[index])
                bottom -= height

    def _tallest_per_column(self, slot: float) -> list[tuple[int, list[tuple[int, float]]]]:
        """(day index, stack) to paint: every day, or the tallest of those sharing a pixel."""
        stacks = self._stacks
        if slot >= 1:
            return list(enumerate(stacks))
        per = math.ceil(1 / slot)
        out = []
        for start in range(0, len(stacks), per):
            group = range(start, min(start + per, len(stacks)))
            tallest = max(group, key=lambda i: sum(f for _, f in stacks[i]))
            out.append((start, stacks[tallest]))
        return out

    def _brush(self, index: int, series: Series) -> QBrush:
        color = series_color(index)
        if series[1]:
            return QBrush(color, Qt.BrushStyle.BDiagPattern)
        return QBrush(color)

    def _paint_day_labels(self, painter: QPainter, plot: QRectF) -> None:
        if not self.days:
            return
        painter.setPen(QPen(colour("text_muted")))
        slot = plot.width() / len(self.days)
        every = max(1, math.ceil(56 / slot))  # a label every 56 px at most
        for i in range(0, len(self.days), every):
            day = self.days[i].day
            box = QRectF(plot.left() + slot * i + slot / 2 - 40, plot.bottom() + 4, 80, 16)
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), day[5:])

    def _legend_rows(self) -> int:
        return max(1, (len(self.series) + 2) // 3) if self.series else 0

    def _paint_legend(self, painter: QPainter, top: float) -> None:
        column = max(160.0, (self.width() - MARGIN_LEFT) / 3)
        for index, series in enumerate(self.series):
            x = MARGIN_LEFT + column * (index % 3)
            y = top + LEGEND_ROW * (index // 3)
            painter.fillRect(QRectF(x, y + 3, 12, 12), self._brush(index, series))
            painter.setPen(QPen(series_color(index)))
            painter.drawRect(QRectF(x, y + 3, 12, 12))
            painter.setPen(QPen(colour("text")))
            painter.drawText(QRectF(x + 18, y, column - 22, LEGEND_ROW), series_name(series))
