"""The palette markdown is rendered in: set by the UI's theme, read by `render.markdown`.

No Qt here. `formatter()` is a pygments HTML formatter (inline styles) whose style is built
from the palette's syntax colours, once per palette.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from desktop.core.palettes import LIGHT, Palette

if TYPE_CHECKING:
    from pygments.formatters import HtmlFormatter

__all__ = ["formatter", "palette", "set_palette"]

_current = LIGHT


def set_palette(new: Palette) -> None:
    """Render from now on in `new`'s colours (what is already rendered keeps its own)."""
    global _current
    _current = new


def palette() -> Palette:
    """The palette markdown renders in now."""
    return _current


def formatter() -> HtmlFormatter:
    """The pygments formatter for the current palette (built once per palette)."""
    return _formatter_for(_current)


@lru_cache(maxsize=4)
def _formatter_for(scheme: Palette) -> HtmlFormatter:
    from pygments.formatters import HtmlFormatter
    from pygments.style import Style
    from pygments.token import Error, Text, Token, Whitespace, string_to_tokentype

    # Plain text and whitespace get no span at all: a quarter less HTML for Qt to parse.
    styles = {Token: "", Text: "", Whitespace: "", Error: ""}
    styles.update({string_to_tokentype(name): spec for name, spec in scheme.syntax})
    style = type("ThemeCodeStyle", (Style,), {"styles": styles, "background_color": scheme.code_bg})
    return HtmlFormatter(noclasses=True, nowrap=True, style=style)
