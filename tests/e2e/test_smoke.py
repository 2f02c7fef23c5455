"""`python -m desktop --smoke` in a subprocess: the real app against the fake server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_api import FakeAnthropic, Stall, TextReply

ROOT = Path(__file__).resolve().parents[2]


def smoke(
    base_url: str,
    home: Path | None,
    drop: tuple[str, ...] = (),
    options: tuple[str, ...] = (),
    cwd: Path = ROOT,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """Run the smoke mode as a person (or CI) would, in a new process."""
    unset = {"CLAUDE_DESK_HOME", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", *drop}
    environ = {k: v for k, v in os.environ.items() if k not in unset}
    if home is not None:
        environ["CLAUDE_DESK_HOME"] = str(home)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "desktop", "--smoke", "--base-url", base_url, *options],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=90,
        umask=0o022,  # a new user's usual umask: the app makes its files private itself
    )


def sent_keys(api: FakeAnthropic) -> set[str | None]:
    """The API keys the app sent (`x-api-key` or `Authorization: Bearer`)."""
    keys: set[str | None] = set()
    for request in api.requests:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        keys.add(request.headers.get("x-api-key") or bearer or None)
    return keys


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_smoke_streams_one_answer_and_reads_history_back(fake_api: FakeAnthropic) -> None:
    result = smoke(fake_api.base_url, None)

    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("claude-desk smoke: OK")
    assert "history read back (2 messages)" in lines[0]
    assert "Spend CSV exported; " in lines[0]
    assert " folders and files readable by this account only " in lines[0]
    sent = fake_api.message_requests()
    assert len(sent) == 1
    assert sent[0]["stream"] is True
    assert sent[0]["messages"][-1]["content"][0]["text"] == "Hello from the Claude Desk smoke test"
    assert sent_keys(fake_api) == {"smoke-test-key"}


def test_smoke_uses_the_environment_key_and_a_given_home(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    result = smoke(fake_api.base_url, home, ANTHROPIC_API_KEY="sk-from-env")

    assert result.returncode == 0, result.stderr + result.stdout
    assert sent_keys(fake_api) == {"sk-from-env"}
    assert (home / "data" / "history.sqlite3").is_file()
    assert str(home / "data" / "history.sqlite3") in result.stdout
    if os.name == "posix":  # the home it made, and all in it, are this account's alone
        entries = [home, *home.rglob("*")]
        assert {oct(p.stat().st_mode & 0o777) for p in entries if p.is_dir()} == {"0o700"}
        assert {oct(p.stat().st_mode & 0o777) for p in entries if p.is_file()} == {"0o600"}


def test_smoke_fails_with_a_reason_when_no_server_listens() -> None:
    result = smoke(f"http://127.0.0.1:{closed_port()}", None)

    assert result.returncode != 0
    assert "claude-desk smoke: FAILED" in result.stderr
    assert "Connection problem" in result.stderr


def test_smoke_fails_on_an_error_notice(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(TextReply("I can help with part of th", stop_reason="refusal"))
    result = smoke(fake_api.base_url, None)

    assert result.returncode == 1
    assert "FAILED" in result.stderr
    assert "declined" in result.stderr


def test_smoke_fails_when_the_answer_does_not_finish_in_time(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Stall("Thinking about it", seconds=30))
    result = smoke(fake_api.base_url, None, CLAUDE_DESK_SMOKE_TIMEOUT="1.5")

    assert result.returncode == 1
    assert "timed out after 1.5 s waiting for the answer" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="Qt's offscreen default is for X11 systems")
def test_smoke_runs_without_a_display(fake_api: FakeAnthropic) -> None:
    result = smoke(fake_api.base_url, None, drop=("DISPLAY", "QT_QPA_PLATFORM", "WAYLAND_DISPLAY"))

    assert result.returncode == 0, result.stderr + result.stdout
    assert "offscreen" in result.stdout


def test_smoke_twice_in_portable_mode_keeps_data_beside_the_app(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    # From source, "beside the app" is the working directory.
    for _run in range(2):
        result = smoke(fake_api.base_url, None, options=("--portable",), cwd=tmp_path)
        assert result.returncode == 0, result.stderr + result.stdout

    database = tmp_path / "claude-desk-data" / "data" / "history.sqlite3"
    assert database.is_file()
    assert str(database) in result.stdout
