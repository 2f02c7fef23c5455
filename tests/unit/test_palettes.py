"""Every palette's text meets WCAG AA on every background it is drawn on."""

from __future__ import annotations

import dataclasses

import pytest

from desktop.core.contrast import AA_GRAPHICS, AA_TEXT, contrast_ratio
from desktop.core.palettes import PALETTES, Palette


@pytest.mark.parametrize("palette", PALETTES.values(), ids=list(PALETTES))
def test_text_contrast_meets_wcag_aa(palette: Palette) -> None:
    failing = [
        f"{what}: {fg} on {bg} = {contrast_ratio(fg, bg):.2f}"
        for what, fg, bg in palette.text_pairs()
        if contrast_ratio(fg, bg) < AA_TEXT
    ]
    assert not failing, failing


@pytest.mark.parametrize("palette", PALETTES.values(), ids=list(PALETTES))
def test_graphics_stand_out(palette: Palette) -> None:
    failing = [
        f"{what}: {fg} on {bg} = {contrast_ratio(fg, bg):.2f}"
        for what, fg, bg in palette.graphic_pairs()
        if contrast_ratio(fg, bg) < AA_GRAPHICS
    ]
    assert not failing, failing


def test_pairs_cover_every_text_role() -> None:
    """A new text role must be added to text_pairs, or the contrast test would not see it."""
    palette = PALETTES["light"]
    checked = {fg for _what, fg, _bg in palette.text_pairs()}
    for role in (
        "text",
        "text_muted",
        "placeholder",
        "link",
        "on_accent",
        "error_text",
        "warning_text",
        "wait_text",
        "code_text",
        "code_label",
        "quote_text",
    ):
        assert getattr(palette, role) in checked, role


def test_palettes_have_the_same_roles_and_differ() -> None:
    light, dark = PALETTES["light"], PALETTES["dark"]
    assert [t for t, _ in light.syntax] == [t for t, _ in dark.syntax]
    assert len(light.chart_series) == len(dark.chart_series)
    assert light.window != dark.window and light.text != dark.text
    assert {f.name for f in dataclasses.fields(light)} == {f.name for f in dataclasses.fields(dark)}


def test_contrast_ratio_known_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#fff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    with pytest.raises(ValueError):
        contrast_ratio("red", "#fff")
