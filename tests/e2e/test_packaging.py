"""The Linux packages, installed for real: build, dpkg -i, smoke-run the installed app, dpkg -r.

Runs only when asked (it installs a system package): CLAUDE_DESK_PACKAGING=1, as root, with
dpkg. CLAUDE_DESK_DIST=<dir> reuses packages already built there (packaging/build.sh puts them
in dist/); otherwise this builds them first (about 1-2 minutes).

    sudo CLAUDE_DESK_PACKAGING=1 CLAUDE_DESK_DIST=dist .venv/bin/pytest tests/e2e/test_packaging.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from tests.fake_api import FakeAnthropic

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
PACKAGE = "claude-desk"
INSTALL_DIR = Path("/opt/claude-desk")
LAUNCHER = Path("/usr/bin/claude-desk")

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("CLAUDE_DESK_PACKAGING") != "1",
        reason="installs a system package: set CLAUDE_DESK_PACKAGING=1 to run",
    ),
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("dpkg") is None,
        reason="needs Linux, root and dpkg",
    ),
    pytest.mark.timeout(900),
]


def run(*command: str | Path, check: bool = True, **kwargs: Any) -> CompletedProcess[str]:
    result: CompletedProcess[str] = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, check=False, **kwargs
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


@pytest.fixture(scope="module")
def dist() -> Path:
    """The folder holding the built packages: CLAUDE_DESK_DIST, or a fresh build in dist/."""
    given = os.environ.get("CLAUDE_DESK_DIST", "").strip()
    if given:
        folder = Path(given)
        folder = folder if folder.is_absolute() else ROOT / folder
    else:
        env = {**os.environ, "PYTHON": sys.executable, "DEB_COMPRESS": "zstd"}
        run("bash", ROOT / "packaging" / "build.sh", cwd=ROOT, env=env, timeout=600)
        folder = ROOT / "dist"
    assert (folder / deb_name()).is_file(), f"no {deb_name()} in {folder}"
    return folder


def deb_name() -> str:
    return f"{PACKAGE}_{VERSION}_amd64.deb"


def tarball_name() -> str:
    return f"{PACKAGE}-{VERSION}-linux-x86_64.tar.gz"


def app_environment(**extra: str) -> dict[str, str]:
    """The caller's environment minus anything that would steer the app or the keyring."""
    unset = {"CLAUDE_DESK_HOME", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "PYTHONPATH"}
    return {**{k: v for k, v in os.environ.items() if k not in unset}, **extra}


def installed() -> bool:
    status = run("dpkg-query", "-W", "-f=${Status}", PACKAGE, check=False)
    return status.returncode == 0 and "install ok installed" in status.stdout


def install(deb: Path) -> None:
    """`dpkg -i`; when dependencies are missing, let apt fetch them and finish the install."""
    if run("dpkg", "-i", deb, check=False).returncode == 0:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run("apt-get", "install", "-f", "-y", "-q", "--no-install-recommends", env=env, timeout=600)


def test_deb_installs_smoke_runs_and_removes_cleanly(
    dist: Path, fake_server: FakeAnthropic
) -> None:
    deb = dist / deb_name()
    info = run("dpkg-deb", "--field", deb, "Version", "Depends", "Recommends").stdout
    assert f"Version: {VERSION}" in info
    for needed in ("libc6 (>= 2.3", "libxcb-cursor0", "libsecret-1-0", "gnome-keyring"):
        assert needed in info

    install(deb)
    try:
        assert installed()
        assert os.access(INSTALL_DIR / "claude-desk", os.X_OK)
        assert LAUNCHER.resolve() == (INSTALL_DIR / "claude-desk").resolve()
        assert Path("/usr/share/applications/claude-desk.desktop").is_file()
        for size in (16, 48, 256, 512):
            assert Path(f"/usr/share/icons/hicolor/{size}x{size}/apps/claude-desk.png").is_file()
        assert run(LAUNCHER, "--version", cwd="/").stdout.strip() == f"Claude Desk {VERSION}"

        smoke = run(
            LAUNCHER,
            "--smoke",
            "--base-url",
            fake_server.base_url,
            check=False,
            cwd="/",
            env=app_environment(),
            timeout=120,
            umask=0o022,  # a new user's usual umask: the app makes its files private itself
        )
        assert smoke.returncode == 0, smoke.stdout + smoke.stderr
        assert "claude-desk smoke: OK" in smoke.stdout
        assert "folders and files readable by this account only" in smoke.stdout
        assert "through the streaming child process" in smoke.stdout  # the bundle runs it
        assert len(fake_server.message_requests()) == 1
    finally:
        removed = run("dpkg", "-r", PACKAGE, check=False)
    assert removed.returncode == 0, removed.stderr
    assert not installed()
    assert not INSTALL_DIR.exists(), sorted(str(p) for p in INSTALL_DIR.rglob("*"))[:20]
    assert not LAUNCHER.is_symlink()
    assert not LAUNCHER.exists()
    assert not Path("/usr/share/applications/claude-desk.desktop").exists()


def test_portable_tarball_runs_from_anywhere_and_keeps_data_beside_it(
    dist: Path, fake_server: FakeAnthropic, tmp_path: Path
) -> None:
    with tarfile.open(dist / tarball_name()) as archive:
        archive.extractall(tmp_path, filter="tar")
    app = tmp_path / f"{PACKAGE}-{VERSION}"
    (app / "portable").touch()

    smoke = run(
        app / "claude-desk",
        "--smoke",
        "--base-url",
        fake_server.base_url,
        check=False,
        cwd="/",
        env=app_environment(),
        timeout=120,
        umask=0o022,
    )

    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert (app / "claude-desk-data" / "data" / "history.sqlite3").is_file()
    assert (app / "claude-desk-data").stat().st_mode & 0o777 == 0o700  # the portable folder
