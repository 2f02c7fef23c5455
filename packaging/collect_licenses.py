"""Gather the licence texts of every bundled Python distribution into build/licenses/.

    python packaging/collect_licenses.py [OUT_DIR]

Walks the runtime requirements of `claude-desk` (as installed in this environment, markers
evaluated, extras skipped), and writes THIRD-PARTY-LICENSES.txt with each distribution's name,
version, licence and the full text of its licence files, plus Python's own licence. The
PyInstaller spec puts the folder into the bundle as `licenses/`; the static notices in
resources/licenses/ (the Qt/PySide6 LGPL notice, LGPL and GPL texts) travel with the package.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
LICENSE_HINTS = ("license", "licence", "copying", "notice", "authors")


def runtime_distributions(root: str = "claude-desk") -> list[metadata.Distribution]:
    """`root` and everything it needs at run time, in name order."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    seen.pop(root, None)
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def licence_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    texts = []
    for file in dist.files or []:
        parts = [p.lower() for p in file.parts]
        in_meta = parts[0].endswith(".dist-info")
        if in_meta and any(h in parts[-1] for h in LICENSE_HINTS):
            try:
                raw = Path(str(file.locate())).read_bytes()
            except OSError:
                continue
            texts.append((str(file), raw.decode("utf-8", errors="replace")))
    return texts


def licence_name(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = _field(dist, "License-Expression")
    if expression:
        return expression
    classifiers = [
        c.rsplit(" :: ", 1)[-1]
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    short = _field(dist, "License").strip().splitlines()
    return ", ".join(classifiers) or (short[0] if short else "see the licence text below")


def python_licence() -> str:
    for candidate in (
        Path(sys.base_prefix) / "LICENSE.txt",
        Path(sys.base_prefix)
        / "lib"
        / f"python{sys.version_info[0]}.{sys.version_info[1]}"
        / "LICENSE.txt",
    ):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8", errors="replace")
    return "Python Software Foundation License Version 2 - https://docs.python.org/3/license.html\n"


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    rule = "=" * 78
    chunks = [
        "Claude Desk bundles the following third-party software. Each is listed with its\n"
        "version and licence, followed by the licence texts it ships with.\n"
        "Qt and PySide6 are used under the GNU LGPL v3: see LGPL-NOTICE-Qt-PySide6.txt.\n",
    ]
    for dist in runtime_distributions():
        name, version = dist.metadata["Name"], dist.version
        chunks.append(
            f"\n{rule}\n{name} {version}\nLicence: {licence_name(dist)}\n"
            f"Home: {_field(dist, 'Home-page') or _project_url(dist)}\n{rule}\n"
        )
        for file, text in licence_texts(dist):
            chunks.append(f"\n--- {file} ---\n{text.rstrip()}\n")
    chunks.append(f"\n{rule}\nPython {sys.version.split()[0]}\nLicence: PSF-2.0\n{rule}\n")
    chunks.append(python_licence())
    (out_dir / "THIRD-PARTY-LICENSES.txt").write_text("".join(chunks), encoding="utf-8")
    print(f"licences of {len(runtime_distributions())} distributions -> {out_dir}")


def _field(dist: metadata.Distribution, name: str) -> str:
    """A metadata field, "" when missing."""
    value = dist.metadata.json.get(name.lower().replace("-", "_"))
    return value if isinstance(value, str) else ""


def _project_url(dist: metadata.Distribution) -> str:
    urls = dist.metadata.get_all("Project-URL") or []
    return urls[0].split(",", 1)[-1].strip() if urls else "-"


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "licenses")
