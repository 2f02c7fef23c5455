"""A PNG just under the app's pixel limit, written row by row (never held whole in memory)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIZE = (14_999, 10_000)  # 149,990,000 px: just under MAX_INPUT_PIXELS


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def write_big_png(path: Path, size: tuple[int, int] = SIZE) -> Path:
    """An 8-bit RGB PNG of `size` with a pattern of many colours (a photo, to the app)."""
    width, height = size
    base = (bytes(range(256)) * (width * 3 // 256 + 1))[: width * 3]
    shifts = [bytes((v + k) % 256 for v in range(256)) for k in range(0, 256, 3)]
    deflate = zlib.compressobj(6)
    parts = []
    for y in range(height):
        row = b"\x00" + base.translate(shifts[(y // 7) % len(shifts)])
        parts.append(deflate.compress(row))
    parts.append(deflate.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header))
        out.write(_chunk(b"IDAT", b"".join(parts)))
        out.write(_chunk(b"IEND", b""))
    return path
