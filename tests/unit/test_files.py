"""The one writer and the folder maker: atomic, owner-only whatever the umask."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.storage import files
from desktop.storage.exports import FileExports
from desktop.storage.files import atomic_write, loose_entries, private_dir, private_file, tighten
from desktop.storage.paths import AppPaths

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000, 0o277])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Each test runs under a usual umask, open ones and one stricter than ours."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_atomic_write_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "settings.toml"

    atomic_write(target, "first = 1\n")
    atomic_write(target, "second = 2\r\nü\n")

    assert target.read_bytes() == "second = 2\r\nü\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_atomic_write_failure_keeps_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "settings.toml"
    target.write_text("old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(files.os, "replace", broken_replace)

    with pytest.raises(OSError, match="disk gone"):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["settings.toml"]


@posix_only
def test_atomic_write_is_owner_only_and_replaces_an_open_file(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "export.csv"
    target.write_text("old")
    target.chmod(0o644)

    atomic_write(target, b"a,b\n")

    assert mode(target) == 0o600
    assert target.read_bytes() == b"a,b\n"


@posix_only
def test_private_dir_makes_every_missing_level_0700(tmp_path: Path, umask: int) -> None:
    tmp_path.chmod(0o755)
    outer = tmp_path / "outer"
    private_dir(outer / "middle" / "inner")

    for level in (outer, outer / "middle", outer / "middle" / "inner"):
        assert mode(level) == 0o700, level
    assert mode(tmp_path) == 0o755  # an existing parent is not touched
    private_dir(outer / "middle" / "inner")  # a second call finds it and is fine


def test_private_dir_reports_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")

    with pytest.raises(OSError):
        private_dir(tmp_path / "taken")


@posix_only
def test_private_file_creates_0600_and_keeps_an_existing_file(tmp_path: Path, umask: int) -> None:
    new = private_file(tmp_path / "claude-desk.log")
    old = tmp_path / "old.log"
    old.write_text("kept")
    old.chmod(0o640)
    private_file(old)

    assert mode(new) == 0o600 and new.read_bytes() == b""
    assert mode(old) == 0o640 and old.read_text() == "kept"


@posix_only
def test_tighten_changes_only_what_others_could_read(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "blobs" / "ab").mkdir(parents=True)
    for folder in (root, root / "blobs", root / "blobs" / "ab"):
        folder.chmod(0o755)
    loose, tight = root / "history.sqlite3", root / "blobs" / "ab" / "abc"
    loose.write_text("db")
    loose.chmod(0o644)
    tight.write_text("blob")
    tight.chmod(0o600)
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours to change")
    outside.chmod(0o644)
    (root / "link").symlink_to(outside)

    assert tighten([root]) == 4  # three folders, one file
    assert list(loose_entries([root])) == []
    assert mode(loose) == 0o600 and mode(root / "blobs" / "ab") == 0o700
    assert mode(outside) == 0o644  # a link is not followed
    assert tighten([root]) == 0


@posix_only
def test_tighten_once_runs_on_the_first_start_only(desk_home: Path) -> None:
    paths = AppPaths.resolve()
    for folder in paths.folders:
        folder.mkdir(parents=True)
        folder.chmod(0o755)
    log = paths.log_dir / "claude-desk.log"
    log.write_text("old log")
    log.chmod(0o644)

    assert paths.tighten_once() == 5
    assert mode(log) == 0o600
    log.chmod(0o644)  # whatever happens later is not undone again on every start
    assert paths.tighten_once() is None
    assert mode(log) == 0o644


def test_owned_folders_include_the_parents_the_app_named(tmp_path: Path) -> None:
    state = tmp_path / ".local" / "state"
    paths = AppPaths(
        data_dir=tmp_path / "share" / "claude-desk",
        config_dir=tmp_path / "config" / "claude-desk",
        cache_dir=tmp_path / "cache" / "claude-desk",
        log_dir=state / "claude-desk" / "log",
    )

    assert state / "claude-desk" in paths.owned_folders()
    assert state not in paths.owned_folders()
    assert tmp_path / "share" not in paths.owned_folders()


def test_exports_remember_their_folder_across_runs(tmp_path: Path) -> None:
    config = private_dir(tmp_path / "config")
    chosen = tmp_path / "reports"
    chosen.mkdir()
    exports = FileExports(config)
    assert exports.folder() == ""

    exports.write_text(str(chosen / "spend.csv"), "day,cost\n")

    assert (chosen / "spend.csv").read_text() == "day,cost\n"
    assert exports.folder() == str(chosen)
    assert FileExports(config).folder() == str(chosen)  # the next run
    chosen.joinpath("spend.csv").unlink()
    chosen.rmdir()
    assert FileExports(config).folder() == ""  # gone: the dialog's default again


def test_exports_survive_a_damaged_settings_file(tmp_path: Path) -> None:
    (tmp_path / "exports.json").write_text("{not json")

    assert FileExports(tmp_path).folder() == ""


WRITES = re.compile(
    r"QSaveFile|mkstemp|os\.replace|os\.makedirs|\.mkdir\(|\.write_bytes\(|(?<!exports)\.write_text\("
    r"|FileHandler\((?!private_file)|open\([^)]*['\"][wax]"
)
CONSOLE = 'open("CONOUT$", "w"'  # smoke.py: a windowed Windows build's console, not a file


def test_only_the_storage_files_module_makes_folders_and_writes_files() -> None:
    """So no module can forget the modes: everything else goes through `desktop.storage.files`."""
    root = Path(files.__file__).parents[1]
    offenders = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        if path != Path(files.__file__)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WRITES.search(line) and CONSOLE not in line
    ]
    assert offenders == []
