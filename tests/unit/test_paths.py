"""AppPaths and atomic writes."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from desktop.storage.paths import AppPaths


def test_desk_home_puts_everything_under_one_folder(desk_home: Path) -> None:
    app = AppPaths.resolve()

    assert app.data_dir == desk_home / "data"
    assert app.config_dir == desk_home / "config"
    assert app.cache_dir == desk_home / "cache"
    assert app.log_dir == desk_home / "logs"
    assert app.database_path == desk_home / "data" / "history.sqlite3"


def test_resolve_does_not_create_folders(desk_home: Path) -> None:
    AppPaths.resolve()

    assert not desk_home.exists()


def test_ensure_creates_every_folder(desk_home: Path) -> None:
    app = AppPaths.resolve().ensure()

    for folder in (app.data_dir, app.config_dir, app.cache_dir, app.log_dir):
        assert folder.is_dir()
    AppPaths.resolve().ensure()  # a second run finds them and is fine


def test_relative_desk_home_becomes_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLAUDE_DESK_HOME", "portable")

    assert AppPaths.resolve().data_dir == tmp_path / "portable" / "data"


def test_without_desk_home_uses_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAUDE_DESK_HOME")

    app = AppPaths.resolve()

    assert app.data_dir == platformdirs.user_data_path("claude-desk", "ClaudeDesk")
    assert app.config_dir == platformdirs.user_config_path("claude-desk", "ClaudeDesk")
    assert app.cache_dir == platformdirs.user_cache_path("claude-desk", "ClaudeDesk")
    assert app.log_dir == platformdirs.user_log_path("claude-desk", "ClaudeDesk")


def test_blank_desk_home_is_ignored() -> None:
    app = AppPaths.resolve({"CLAUDE_DESK_HOME": "  "})

    assert app.data_dir == platformdirs.user_data_path("claude-desk", "ClaudeDesk")
