"""Tool-loop limits kept with the preferences: saved, loaded, and old files still load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.local_tools import ToolLimits
from desktop.core.preferences import Preferences
from desktop.storage.preferences import SETTINGS_NAME, PreferencesFile

DEFAULT = "claude-opus-4-8"

OLD_FILE = {  # written before tool limits existed
    "version": 1,
    "new_conversation": {"model": "claude-sonnet-4-6", "max_tokens": 8000},
    "send_key": "ctrl+enter",
    "window": {"geometry": "AdnQyw==", "splitter": {"sidebar": 300}},
}


def test_an_old_settings_file_loads_with_the_default_limits(tmp_path: Path) -> None:
    path = tmp_path / SETTINGS_NAME
    path.write_text(json.dumps(OLD_FILE), encoding="utf-8")
    loaded, problem = PreferencesFile(path).load(DEFAULT)
    assert problem is None
    assert loaded.defaults.model == "claude-sonnet-4-6"
    assert loaded.send_key.value == "ctrl+enter"
    assert loaded.tool_limits == ToolLimits(20, 60.0, 100_000)


def test_limits_round_trip_through_the_file(tmp_path: Path) -> None:
    file = PreferencesFile(tmp_path / SETTINGS_NAME)
    preferences = Preferences.initial(DEFAULT)
    preferences.tool_limits = ToolLimits(max_rounds=5, call_timeout_s=12.0, max_result_chars=4000)
    file.save(preferences)
    loaded, _ = file.load(DEFAULT)
    assert loaded.tool_limits == ToolLimits(5, 12.0, 4000)
    assert json.loads(file.path.read_text())["tool_limits"]["max_rounds"] == 5


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("lots", ToolLimits()),
        ({"max_rounds": "ten", "call_timeout_s": None}, ToolLimits()),
        ({"max_rounds": True, "max_result_chars": float("nan")}, ToolLimits()),
        (
            {"max_rounds": 0, "call_timeout_s": 99999, "max_result_chars": 5},
            ToolLimits(1, 3600.0, 1000),
        ),
        ({"max_rounds": 7.9}, ToolLimits(max_rounds=7)),
    ],
)
def test_odd_or_out_of_range_limits_are_made_usable(stored: object, expected: ToolLimits) -> None:
    data = dict(OLD_FILE, tool_limits=stored)
    assert Preferences.from_dict(data, DEFAULT).tool_limits == expected


def test_a_copy_does_not_share_its_limits() -> None:
    preferences = Preferences.initial(DEFAULT)
    copy = preferences.copy()
    copy.tool_limits.max_rounds = 3
    assert preferences.tool_limits.max_rounds == 20
