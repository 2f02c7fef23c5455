"""WCAG 2 contrast between two colours written as hex (`#rrggbb` or `#rgb`)."""

from __future__ import annotations

AA_TEXT = 4.5
"""WCAG AA: normal text on its background."""
AA_GRAPHICS = 3.0
"""WCAG AA (1.4.11): shapes that carry meaning (chart bars, a quote's bar)."""


def luminance(colour: str) -> float:
    """The relative luminance of a hex colour (0 black .. 1 white)."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    if len(digits) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
