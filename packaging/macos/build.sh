#!/usr/bin/env bash
# Build Claude Desk for macOS: "dist/Claude Desk.app" and dist/claude-desk-<version>-macos-<arch>.dmg
#
#   packaging/macos/build.sh
#
# Run on a Mac (the app is built for the Mac's own architecture: arm64 on Apple silicon,
# x86_64 on Intel) with the project installed with its `package` extra
# (`pip install -e '.[package]'`). PYTHON picks the interpreter (default: python3).
# Signing: PyInstaller signs the app ad hoc, which runs on the building Mac and, after
# right-click > Open, on others. Set CODESIGN_IDENTITY ("Developer ID Application: ...") to sign
# with your certificate and the hardened runtime (entitlements.plist), as notarization needs;
# notarizing (xcrun notarytool submit --wait, then xcrun stapler staple) is left to the release.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(uname -m)
APP="dist/Claude Desk.app"
DMG="dist/claude-desk-$VERSION-macos-$ARCH.dmg"

"$PYTHON" packaging/collect_licenses.py build/licenses
rm -rf "$APP" dist/claude-desk
CLAUDE_DESK_VERSION=$VERSION "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/claude-desk.spec

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --deep --timestamp --options runtime \
    --entitlements packaging/macos/entitlements.plist --sign "$CODESIGN_IDENTITY" "$APP"
fi
codesign --verify --deep --strict "$APP"
"$APP/Contents/MacOS/claude-desk" --version

rm -rf build/dmg && mkdir -p build/dmg
cp -R "$APP" build/dmg/
ln -s /Applications build/dmg/Applications
rm -f "$DMG"
hdiutil create -volname "Claude Desk $VERSION" -srcfolder build/dmg -fs HFS+ -format UDZO -ov "$DMG"
du -sh "$APP" "$DMG"
