"""McpServerFile: settings in mcp_servers.json, values of env and headers in the keyring only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from desktop.core.local_tools import McpServerConfig, Transport
from desktop.storage.mcp_servers import (
    McpServerFile,
)
from desktop.storage.paths import AppPaths
from tests.keyring_memory import MemoryKeyring

TOKEN = "sk-secret-token-123"
HEADER = "Bearer header-secret-456"


def servers() -> list[McpServerConfig]:
    return [
        McpServerConfig(
            "github",
            command="docker",
            args=["run", "-i", "ghcr.io/github/github-mcp-server"],
            env={"GITHUB_TOKEN": TOKEN, "LOG_LEVEL": "debug"},
            always_allowed=["search"],
        ),
        McpServerConfig(
            "remote",
            transport=Transport.HTTP,
            url="https://mcp.example.com/mcp",
            headers={"Authorization": HEADER},
            enabled=False,
        ),
    ]


@pytest.fixture
def store() -> McpServerFile:
    paths = AppPaths.resolve().ensure()
    return McpServerFile.in_config_dir(paths.config_dir)


@pytest.fixture
def no_keyring() -> object:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield None
    keyring.set_keyring(previous)


def test_round_trip_keeps_values_in_the_keyring_and_names_in_the_file(
    store: McpServerFile, memory_keyring: MemoryKeyring
) -> None:
    assert store.load() == ([], None)
    assert store.save(servers()) is None

    assert McpServerFile(store.path).load() == (servers(), None)  # a new run reads it back
    data = json.loads(store.path.read_text())
    assert data["servers"][0]["env"] == ["GITHUB_TOKEN", "LOG_LEVEL"]
    assert data["servers"][1]["headers"] == ["Authorization"]
    assert TOKEN not in store.path.read_text()
    assert memory_keyring.store[("claude-desk", "mcp:github:env:GITHUB_TOKEN")] == TOKEN
    assert memory_keyring.store[("claude-desk", "mcp:remote:header:Authorization")] == HEADER
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_removing_a_server_or_a_variable_deletes_its_keyring_entries(
    store: McpServerFile, memory_keyring: MemoryKeyring
) -> None:
    github, remote = servers()
    store.save([github, remote])
    del github.env["GITHUB_TOKEN"]
    assert store.save([github]) is None
    assert set(memory_keyring.store) == {("claude-desk", "mcp:github:env:LOG_LEVEL")}
    assert store.load() == ([github], None)


def test_without_a_keyring_values_live_for_this_run_only(
    store: McpServerFile, no_keyring: None
) -> None:
    problem = store.save(servers())
    assert problem is not None
    assert "kept for this run only" in problem
    assert store.load()[0] == servers()  # this run still has them
    later, problem = McpServerFile(store.path).load()  # the next run has the names only
    assert later[0].env == {"GITHUB_TOKEN": "", "LOG_LEVEL": ""}
    assert problem is not None
    assert "kept for this run only" in problem
    assert TOKEN not in store.path.read_text()


def test_a_corrupt_file_is_moved_aside_and_said(
    store: McpServerFile, memory_keyring: MemoryKeyring
) -> None:
    store.path.write_text("{half a file")
    loaded, problem = store.load()
    assert loaded == []
    assert problem is not None
    assert "could not be read" in problem
    kept = list(store.path.parent.glob("mcp_servers.json.unreadable-*"))
    assert len(kept) == 1
    assert kept[0].read_text() == "{half a file"
    assert not store.path.exists()


def test_no_secret_value_reaches_the_app_folders(
    store: McpServerFile, memory_keyring: MemoryKeyring, desk_home: Path
) -> None:
    store.save(servers())
    store.load()
    files = [p for p in desk_home.rglob("*") if p.is_file()]
    assert store.path in files
    paths = AppPaths.resolve()
    assert all(any(f.is_relative_to(d) for d in paths.folders) for f in files)
    for secret in (TOKEN, HEADER, "header-secret-456"):
        assert [f for f in files if secret.encode() in f.read_bytes()] == []
