"""PNGs decoded a strip at a time (media.png_strips): the same pixels as a whole decode."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image, ImageDraw

from desktop.core.images import ImagePrepError
from desktop.media.images import _working_mode, prepare_image
from desktop.media.png_strips import reduced_png


def scribble(mode: str, size: tuple[int, int], colours: int = 256) -> Image.Image:
    rng = random.Random(7)
    image = Image.new(mode, size)
    draw = ImageDraw.Draw(image)
    bands = len(image.getbands())
    for _ in range(200):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        box = (x, y, x + rng.randrange(400), y + rng.randrange(400))
        if mode in ("1", "P", "L"):
            draw.ellipse(box, fill=rng.randrange(colours))
        else:
            draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(bands)))
    if mode == "P":
        image.putpalette([rng.randrange(256) for _ in range(3 * colours)])
    return image


def png(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("mode", "colours", "factor"),
    [
        ("RGB", 256, 3),
        ("RGBA", 256, 4),
        ("L", 256, 5),
        ("LA", 256, 3),
        ("P", 256, 3),
        ("P", 4, 7),
        ("P", 16, 2),
        ("1", 2, 3),
    ],
)
def test_strips_give_the_pixels_of_a_whole_decode_reduced(
    mode: str, colours: int, factor: int
) -> None:
    data = png(scribble(mode, (1999, 1501), colours))
    whole = _working_mode(Image.open(io.BytesIO(data))).reduce(factor)
    strips = reduced_png(data, factor, _working_mode)
    assert strips is not None
    assert (strips.mode, strips.size) == (whole.mode, whole.size)
    assert strips.tobytes() == whole.tobytes()


def with_header(data: bytes, size: tuple[int, int] | None = None, interlace: int = 0) -> bytes:
    """`data` (a PNG) with its IHDR saying another size or interlacing (Pillow writes no
    interlaced PNG); the pixel data is left as it is."""
    width, height, depth, colour, comp, filt, _ = struct.unpack(">IIBBBBB", data[16:29])
    width, height = size or (width, height)
    body = struct.pack(">IIBBBBB", width, height, depth, colour, comp, filt, interlace)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + body) & 0xFFFFFFFF)
    return data[:16] + body + crc + data[33:]


def test_interlaced_and_16_bit_pngs_are_left_to_the_whole_decode() -> None:
    interlaced = with_header(png(scribble("RGB", (300, 200))), interlace=1)
    assert reduced_png(interlaced, 2, _working_mode) is None
    assert reduced_png(png(Image.new("I;16", (300, 200))), 2, _working_mode) is None


def test_a_big_png_with_damaged_rows_is_said_to_be_damaged() -> None:
    data = bytearray(png(scribble("RGB", (3000, 2000))))
    start = data.index(b"IDAT") + 4
    data[start + 5000 : start + 9000] = bytes(4000)
    with pytest.raises(ImagePrepError, match="damaged"):
        prepare_image(bytes(data), "broken.png", 1000)


def test_a_huge_picture_without_a_reduced_decode_is_refused_plainly() -> None:
    data = with_header(png(Image.new("RGB", (80, 60))), (8000, 6000), interlace=1)
    with pytest.raises(ImagePrepError) as caught:
        prepare_image(data, "poster.png", 1568)
    assert "8,000 × 6,000 px" in caught.value.message
    assert "JPEG or non-interlaced 8-bit PNG" in caught.value.message
