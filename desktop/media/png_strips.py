"""Big PNGs decoded a strip of rows at a time and reduced as they go.

Pillow has no reduced decode (`draft`) for PNG: a 150-megapixel PNG would be decoded whole
(~600 MB) before it is scaled down to a few megapixels. Here the rows of a non-interlaced PNG
(8 bits per sample, a 1-bit scan or a 1-4 bit palette) are inflated from its IDAT stream in
strips of a few hundred KB; each strip becomes a small PNG of its own, whose first row is the
previous strip's last row unfiltered (so the strip's row filters see the right row above),
which Pillow decodes and `reduce`s by an integer factor (a box filter, as `Image.reduce` on
the whole picture: the pixels come out the same). Peak memory: the reduced picture plus one
strip, instead of the whole picture.
"""

from __future__ import annotations

import ctypes
import io
import math
import struct
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from PIL import Image

SIGNATURE = b"\x89PNG\r\n\x1a\n"
STRIP_BYTES = 256 * 1024
"""Raw (inflated) bytes of one strip, about (at least `factor` rows)."""
MAX_STRIP_BYTES = 1024 * 1024
"""A strip of `factor` rows may take this much; a larger factor is lowered to fit."""
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by PNG colour type
_COPIED = (b"PLTE", b"tRNS")  # chunks a strip needs to decode as the whole would


@dataclass
class _Layout:
    width: int
    height: int
    depth: int
    colour_type: int
    copied: list[bytes] = field(default_factory=list)  # whole chunks, as in the file
    idat: list[memoryview] = field(default_factory=list)

    @property
    def stride(self) -> int:
        """Bytes of one row in the inflated stream (its filter byte included)."""
        return 1 + math.ceil(self.width * _CHANNELS[self.colour_type] * self.depth / 8)

    @property
    def rawmode(self) -> str:
        """How Pillow packs a decoded row back into the file's bytes."""
        if self.depth == 8:
            return ""  # the image's own mode
        return "1" if self.colour_type == 0 else f"P;{self.depth}"


def _readable(depth: int, colour_type: int, interlace: int) -> bool:
    """8 bits per sample, 1-bit grey (scans) or a 1, 2 or 4-bit palette; not interlaced."""
    if interlace != 0 or colour_type not in _CHANNELS:
        return False
    return depth == 8 or (colour_type == 0 and depth == 1) or (colour_type == 3 and depth < 8)


def reduced_png(
    data: bytes, factor: int, working_mode: Callable[[Image.Image], Image.Image]
) -> Image.Image | None:
    """The PNG `data` at 1/`factor` of its size (less reduced when `factor` rows would make a
    strip over `MAX_STRIP_BYTES`), each strip put in `working_mode` first.

    None when this PNG is not one strips can read (interlaced, or not 8 bits per sample): the
    caller decodes it whole or refuses it. Raises OSError when the file is damaged.
    """
    layout = _layout(data)
    if layout is None:
        return None
    factor = max(1, min(factor, MAX_STRIP_BYTES // layout.stride))  # `factor` rows a strip
    rows = max(factor, STRIP_BYTES // layout.stride // factor * factor)
    out: Image.Image | None = None
    above = b""
    y = 0
    try:
        for raw in _strips(layout, rows):
            strip, above, top = _decode_strip(layout, raw, above)
            strip = working_mode(strip)
            small = strip.reduce(factor, box=(0, top, strip.width, strip.height))
            if out is None:
                size = (math.ceil(layout.width / factor), math.ceil(layout.height / factor))
                out = Image.new(small.mode, size)
            out.paste(small, (0, y // factor))
            y += strip.height - top
            del strip, small
    except zlib.error as exc:
        raise OSError(f"damaged PNG data: {exc}") from exc
    finally:
        _give_back_free_memory()
    if out is None or y != layout.height:
        raise OSError("the PNG ends before its last row")
    return out


def _give_back_free_memory() -> None:
    """Return the heap the strips freed to the system (glibc keeps it, fragmented, otherwise:
    ~10 MB for a 150-megapixel PNG, on top of what the picture's resize needs next)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return
    trim(0)


def _layout(data: bytes) -> _Layout | None:
    if not data.startswith(SIGNATURE):
        return None
    view = memoryview(data)
    layout: _Layout | None = None
    pos = len(SIGNATURE)
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = view[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            if not _readable(depth, colour, interlace):
                return None
            layout = _Layout(width, height, depth, colour)
        elif layout is None:
            return None
        elif kind in _COPIED:
            layout.copied.append(bytes(view[pos : pos + 12 + length]))
        elif kind == b"IDAT":
            layout.idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    return layout if layout is not None and layout.idat else None


def _strips(layout: _Layout, rows: int) -> Iterator[bytes]:
    """The inflated stream in pieces of `rows` rows (the last may be shorter)."""
    need = rows * layout.stride
    left = layout.height * layout.stride
    inflate = zlib.decompressobj()
    buffer = bytearray()
    for body in layout.idat:
        chunk: bytes = bytes(body)
        while True:
            out = inflate.decompress(chunk, need)
            buffer += out
            while len(buffer) >= min(need, left) and left > 0:
                size = min(need, left)
                yield bytes(buffer[:size])
                del buffer[:size]
                left -= size
            chunk = inflate.unconsumed_tail
            if not chunk and len(out) < need:
                break
    if left > 0 and len(buffer) >= left:
        yield bytes(buffer[:left])


def _decode_strip(layout: _Layout, raw: bytes, above: bytes) -> tuple[Image.Image, bytes, int]:
    """One strip as an image, its last row unfiltered (the next strip's row above), and the
    strip's first row of its own in the image (1 when the row above leads it)."""
    rows = len(raw) // layout.stride + (1 if above else 0)
    header = struct.pack(">IIBBBBB", layout.width, rows, layout.depth, layout.colour_type, 0, 0, 0)
    store = zlib.compressobj(0)  # stored, not compressed: Pillow only needs a zlib stream
    lead = store.compress(b"\x00" + above) if above else b""
    stream = [lead, store.compress(raw), store.flush()]
    mini = io.BytesIO()
    for part in (SIGNATURE, _chunk(b"IHDR", header), *layout.copied):
        mini.write(part)
    _write_chunk(mini, b"IDAT", stream)
    del stream
    mini.write(_chunk(b"IEND", b""))
    mini.seek(0)
    image: Image.Image = Image.open(mini)
    image.load()
    row = image.crop((0, rows - 1, layout.width, rows))
    last = row.tobytes("raw", layout.rawmode) if layout.rawmode else row.tobytes()
    return image, last, 1 if above else 0


def _write_chunk(out: io.BytesIO, kind: bytes, parts: list[bytes]) -> None:
    crc = zlib.crc32(kind)
    for part in parts:
        crc = zlib.crc32(part, crc)
    out.write(struct.pack(">I", sum(len(part) for part in parts)) + kind)
    for part in parts:
        out.write(part)
    out.write(struct.pack(">I", crc & 0xFFFFFFFF))


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
