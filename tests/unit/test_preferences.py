"""Preferences as data and as the settings file (no Qt)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.conversation import ConversationSettings, ThinkingSettings
from desktop.core.errors import StorageError
from desktop.core.preferences import Preferences, SendKey, WindowState
from desktop.storage.preferences import SETTINGS_NAME, PreferencesFile

DEFAULT = "claude-opus-4-8"


def sample() -> Preferences:
    defaults = ConversationSettings(
        model="claude-sonnet-4-6",
        system_prompt="Answer like a pirate.",
        max_tokens=8000,
        thinking=ThinkingSettings(enabled=True, effort="high", show_summaries=False),
        cache_ttl="1h",
    )
    return Preferences(defaults, SendKey.CTRL_ENTER, WindowState("AdnQyw==", {"sidebar": 300}))


def test_round_trip_through_the_file(tmp_path: Path) -> None:
    file = PreferencesFile.in_config_dir(tmp_path / "config")
    file.save(sample())
    loaded, problem = file.load(DEFAULT)
    assert problem is None
    assert loaded == sample()
    assert json.loads((tmp_path / "config" / SETTINGS_NAME).read_text())["send_key"] == "ctrl+enter"
    assert [p.name for p in (tmp_path / "config").iterdir()] == [SETTINGS_NAME]  # no temp left


def test_no_file_means_the_catalog_default_and_enter(tmp_path: Path) -> None:
    loaded, problem = PreferencesFile(tmp_path / SETTINGS_NAME).load(DEFAULT)
    assert problem is None
    assert loaded == Preferences.initial(DEFAULT)
    assert loaded.send_key is SendKey.ENTER
    assert loaded.defaults.model == DEFAULT


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"send_key": "shift+space", "new_conversation": "pirate", "window": 3},
        {"window": {"geometry": 5, "splitter": {"sidebar": "wide", "settings_panel": -4}}},
        {"new_conversation": {"model": "", "max_tokens": 900}},
    ],
)
def test_odd_values_fall_back_to_defaults(data: object) -> None:
    prefs = Preferences.from_dict(data, DEFAULT)
    assert prefs.send_key is SendKey.ENTER
    assert prefs.defaults.model == DEFAULT
    assert prefs.window == WindowState()


def test_an_unreadable_file_is_kept_aside_and_said(tmp_path: Path) -> None:
    path = tmp_path / SETTINGS_NAME
    path.write_text('{"send_key": "ctrl+enter", oops')
    loaded, problem = PreferencesFile(path).load(DEFAULT)
    assert loaded == Preferences.initial(DEFAULT)
    assert problem is not None and "could not be read" in problem
    kept = [p for p in tmp_path.iterdir() if p.name.startswith(f"{SETTINGS_NAME}.unreadable-")]
    assert len(kept) == 1 and kept[0].read_text() == '{"send_key": "ctrl+enter", oops'
    assert kept[0].name in problem
    assert not path.exists()


def test_a_failed_save_says_why(tmp_path: Path) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(StorageError, match="Preferences could not be saved"):
        PreferencesFile.in_config_dir(blocker).save(sample())


def test_hints_name_the_send_key() -> None:
    assert SendKey.ENTER.hint.startswith("Enter to send")
    assert SendKey.CTRL_ENTER.hint == "Ctrl+Enter to send, Enter for a new line"
