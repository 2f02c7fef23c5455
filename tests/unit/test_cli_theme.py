"""`--theme light|dark|system` on the command line."""

from __future__ import annotations

import pytest

from desktop.cli import Options, parse_args


@pytest.mark.parametrize("value", ["light", "dark", "system", "Dark"])
def test_theme_option_is_parsed(value: str) -> None:
    assert parse_args(["--theme", value]).theme == value.lower()


def test_no_theme_option_means_the_saved_choice() -> None:
    assert parse_args([]).theme is None
    assert parse_args(["--portable"]) == Options(portable=True)


def test_an_unknown_theme_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--theme", "sepia"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "--theme" in error and "light" in error and "dark" in error and "system" in error
