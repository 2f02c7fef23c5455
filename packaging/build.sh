#!/usr/bin/env bash
# Build Claude Desk for Linux: the PyInstaller bundle, the portable tarball and the .deb.
#
#   packaging/build.sh            # everything, into dist/
#   packaging/build.sh --no-deb   # bundle and tarball only (no dpkg-deb needed)
#   DEB_COMPRESS=zstd packaging/build.sh   # .deb in <1 s instead of ~70 s (68 MB, not 53 MB;
#                                          # dpkg >= 1.21.18 / Ubuntu 22.04+ read it)
#
# Needs: the project installed with its `package` extra in the Python used
# (`pip install -e '.[package]'`), dpkg-deb for the .deb. PYTHON picks the interpreter
# (default: the active virtual environment, else .venv/bin/python, else python3).
# The version comes from pyproject.toml. Outputs:
#   dist/claude-desk/                                 the one-folder bundle
#   dist/claude-desk-<version>-linux-x86_64.tar.gz    portable: unpack anywhere and run
#   dist/claude-desk_<version>_amd64.deb              installs to /opt/claude-desk
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MAKE_DEB=1
for arg in "$@"; do
  case $arg in
    --no-deb) MAKE_DEB=0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

if [ -z "${PYTHON:-}" ]; then
  if [ -n "${VIRTUAL_ENV:-}" ]; then PYTHON=$VIRTUAL_ENV/bin/python
  elif [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python
  else PYTHON=python3; fi
fi
step() { printf '\n--> %s\n' "$*"; }

VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
case $(uname -m) in x86_64) MACHINE=x86_64 ;; aarch64) MACHINE=aarch64 ;; *) MACHINE=$(uname -m) ;; esac
BUNDLE=dist/claude-desk
TARBALL=dist/claude-desk-$VERSION-linux-$MACHINE.tar.gz
DEB=dist/claude-desk_${VERSION}_$ARCH.deb
echo "Claude Desk $VERSION with $("$PYTHON" --version) ($PYTHON)"

step "licence texts of the bundled Python packages"
"$PYTHON" packaging/collect_licenses.py build/licenses

step "PyInstaller bundle -> $BUNDLE"
started=$(date +%s)
rm -rf "$BUNDLE"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/claude-desk.spec
echo "built in $(( $(date +%s) - started )) s"
"$BUNDLE/claude-desk" --version
# glibc: the newest symbol version any bundled file asks for (PySide6 alone needs 2.34; the
# build machine's own libpython and libstdc++ may need more). The .deb depends on it.
GLIBC=$( { echo GLIBC_2.34; find "$BUNDLE" -type f \( -name '*.so*' -o -name claude-desk \) \
  -exec grep -ahoE 'GLIBC_2\.[0-9]+' {} + || true; } | sed 's/GLIBC_//' | sort -V | tail -1)
echo "needs glibc $GLIBC or newer"

step "portable tarball -> $TARBALL"
STAGE=build/tarball/claude-desk-$VERSION
rm -rf build/tarball && mkdir -p "$STAGE"
cp -a "$BUNDLE"/. "$STAGE"/
cp resources/claude-desk.desktop "$STAGE"/
cp resources/icons/claude-desk-256.png "$STAGE"/claude-desk.png
cat > "$STAGE/README.txt" <<EOF
Claude Desk $VERSION - portable build for Linux ($MACHINE)

Run:   ./claude-desk
Data:  your usual folders (~/.local/share/claude-desk, ~/.config/claude-desk, ...).
Portable mode keeps everything in claude-desk-data/ beside this file instead:
       touch portable      (once; or start with ./claude-desk --portable)

Needs glibc $GLIBC+ and the X11/xcb libraries most desktops have (on Debian/Ubuntu:
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1
libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxkbcommon-x11-0 libegl1 libgl1).
Your API key is kept in the system keyring (GNOME Keyring, KWallet, KeePassXC).
Menu entry: set Exec= in claude-desk.desktop to the full path of ./claude-desk and Icon= to
the full path of claude-desk.png, then copy it to ~/.local/share/applications/.
Licences: _internal/licenses/ and _internal/desktop/resources/licenses/.
EOF
tar -C build/tarball --owner=0 --group=0 --numeric-owner -czf "$TARBALL" "claude-desk-$VERSION"

if [ "$MAKE_DEB" = 1 ]; then
  step "Debian package -> $DEB"
  PKG=build/deb/root
  rm -rf build/deb && mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" \
    "$PKG/usr/share/applications" "$PKG/usr/share/doc/claude-desk" \
    "$PKG/usr/share/icons/hicolor/scalable/apps"
  cp -a "$BUNDLE" "$PKG/opt/claude-desk"
  ln -s /opt/claude-desk/claude-desk "$PKG/usr/bin/claude-desk"
  install -m 644 resources/claude-desk.desktop "$PKG/usr/share/applications/"
  install -m 644 resources/icons/claude-desk.svg "$PKG/usr/share/icons/hicolor/scalable/apps/"
  for size in 16 24 32 48 64 128 256 512; do
    dir=$PKG/usr/share/icons/hicolor/${size}x${size}/apps
    mkdir -p "$dir"
    install -m 644 "resources/icons/claude-desk-$size.png" "$dir/claude-desk.png"
  done
  cat > "$PKG/usr/share/doc/claude-desk/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: claude-desk

Files: *
License: MIT
Comment: Claude Desk itself. The bundle in /opt/claude-desk also contains Qt 6 and
 PySide6 (LGPL-3.0; see /opt/claude-desk/_internal/desktop/resources/licenses/
 LGPL-NOTICE-Qt-PySide6.txt), Python (PSF-2.0) and the Python packages listed with their
 licence texts in /opt/claude-desk/_internal/licenses/THIRD-PARTY-LICENSES.txt.
EOF
  chmod -R u+rwX,go+rX,go-w "$PKG"
  DEPENDS=(
    "libc6 (>= $GLIBC)"
    libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
    libxcb-render-util0 libxcb-render0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1
    libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxkbcommon0 libxkbcommon-x11-0
    libegl1 libgl1 libfontconfig1 libfreetype6 libdbus-1-3 "libglib2.0-0t64 | libglib2.0-0"
  )
  depends=$(printf '%s, ' "${DEPENDS[@]}"); depends=${depends%, }
  size_kb=$(du -sk --apparent-size "$PKG" | cut -f1)
  cat > "$PKG/DEBIAN/control" <<EOF
Package: claude-desk
Version: $VERSION
Architecture: $ARCH
Maintainer: ${DEB_MAINTAINER:-Claude Desk developers <claude-desk@users.noreply.github.com>}
Installed-Size: $size_kb
Depends: $depends
Recommends: libsecret-1-0, gnome-keyring | kwalletmanager | keepassxc
Section: net
Priority: optional
Homepage: https://github.com/claude-desk/claude-desk
Description: desktop assistant for the Claude API
 Claude Desk is a native desktop client for Anthropic's Claude API, written with Qt.
 Answers stream in as they are written, conversations are kept in a local SQLite
 history, and the API key is stored in the system keyring (a Secret Service such as
 GNOME Keyring, KWallet or KeePassXC).
EOF
  dpkg-deb --root-owner-group "-Z${DEB_COMPRESS:-xz}" --build "$PKG" "$DEB" >/dev/null
  dpkg-deb --info "$DEB" | sed -n '/Package:/,/Description:/p'
fi

step "sizes"
du -sh "$BUNDLE"
du -h --apparent-size "$TARBALL"
if [ "$MAKE_DEB" = 1 ]; then du -h --apparent-size "$DEB"; fi
echo "done: $ROOT/dist"
