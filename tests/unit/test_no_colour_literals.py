"""Colours are written down only in the palettes: no module of the app has a colour of its own."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

DESKTOP = Path(__file__).resolve().parents[2] / "desktop"
PALETTE_MODULES = {DESKTOP / "core" / "palettes.py"}
HEX = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?(?:[0-9a-fA-F]{2})?\b")
FUNCTIONS = re.compile(r"\b(?:rgba?|hsla?)\s*\(", re.IGNORECASE)
NAMED = re.compile(r"QColor\(\s*[\"']|Qt\.GlobalColor\.(?!transparent\b)\w+")


def colour_literals(source: str) -> list[str]:
    """The colours written in `source`'s strings, and named Qt colours in its code."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            found += HEX.findall(token.string) + FUNCTIONS.findall(token.string)
    found += NAMED.findall(source)
    return found


def test_no_colour_literals_outside_the_palettes() -> None:
    offenders = {
        str(path.relative_to(DESKTOP)): hits
        for path in sorted(DESKTOP.rglob("*.py"))
        if path not in PALETTE_MODULES
        and (hits := colour_literals(path.read_text(encoding="utf-8")))
    }
    assert not offenders, offenders


def test_the_check_finds_each_kind() -> None:
    assert colour_literals('x = "color: #b3261e;"\n') == ["#b3261e"]
    assert colour_literals("x = 'background: #fff'\n") == ["#fff"]
    assert colour_literals('x = "rgb(1, 2, 3)"\n') == ["rgb("]
    assert colour_literals('c = QColor("white")\n') == ['QColor("']
    assert colour_literals("c = Qt.GlobalColor.red\n") == ["Qt.GlobalColor.red"]
    assert colour_literals("c = Qt.GlobalColor.transparent  # see #123\n") == []
    assert colour_literals('url = "page#section"\n') == []


def test_the_palettes_do_hold_colours() -> None:
    (palettes,) = PALETTE_MODULES
    assert len(colour_literals(palettes.read_text(encoding="utf-8"))) > 100
