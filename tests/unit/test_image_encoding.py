"""The encoder chosen per content, and pasted pixels prepared without a PNG round trip."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image, ImageDraw

from desktop.core.images import (
    MAX_IMAGE_BYTES,
    ImagePrepError,
    pack_pixels,
    unpack_pixels,
)
from desktop.media.encoding import (
    FEW_COLOURS,
    JPEG_QUALITY,
    PNG_FAST_LEVEL,
    Encoding,
    choose_encoding,
    encode_within_limit,
    few_colours,
    resample_filter,
)
from desktop.media.images import prepare_image


def screenshot(size: tuple[int, int] = (1920, 1080)) -> Image.Image:
    image = Image.new("RGB", size, (246, 246, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 200, size[1]), fill=(40, 44, 52))
    for y in range(30, size[1], 24):
        draw.text((240, y), "def prepare(image): return image  # a line of code", fill=(20, 20, 20))
    return image


def noise(size: tuple[int, int] = (1920, 1080), mode: str = "RGB") -> Image.Image:
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * len(mode)))


def packed(image: Image.Image, stride_padding: int = 0) -> bytes:
    """`image`'s pixels as a paste hands them over, rows padded by `stride_padding` bytes."""
    row = image.width * len(image.mode)
    raw = image.tobytes()
    rows = [raw[y * row : (y + 1) * row] + b"\0" * stride_padding for y in range(image.height)]
    return pack_pixels(image.mode, image.width, image.height, row + stride_padding, b"".join(rows))


# -- the choice -------------------------------------------------------------------------------


def test_screenshots_are_png_at_a_fast_level_and_photos_jpeg() -> None:
    shot, photo = screenshot(), noise()

    assert few_colours(shot) and not few_colours(photo)
    assert choose_encoding(shot, few_colours(shot)) == Encoding(
        "PNG", {"compress_level": PNG_FAST_LEVEL}
    )
    assert choose_encoding(photo, few_colours(photo)) == Encoding("JPEG", {"quality": JPEG_QUALITY})
    assert choose_encoding(noise(mode="RGBA"), False).format == "PNG"  # transparency is kept
    assert resample_filter(True) is Image.Resampling.BOX
    assert resample_filter(False) is Image.Resampling.LANCZOS


def test_colours_are_counted_on_a_sample_that_adds_none() -> None:
    """A big picture is sampled (every n-th pixel), not resampled: two colours stay two."""
    stripes = Image.new("RGB", (4000, 3000), (255, 255, 255))
    ImageDraw.Draw(stripes).rectangle((0, 0, 1999, 2999), fill=(0, 0, 0))
    assert few_colours(stripes)
    many = Image.new("RGB", (FEW_COLOURS + 1, 1))
    many.putdata([(i % 256, i // 256, 0) for i in range(FEW_COLOURS + 1)])
    assert not few_colours(many)


def test_a_graphic_over_the_limit_at_the_fast_level_is_still_under_it() -> None:
    """Noise taken as graphics is far over 5 MB as PNG: a slower level, a palette, then a
    smaller size bring it under."""
    data, media_type, image = encode_within_limit(noise((2576, 1449)), graphics=True)
    assert media_type == "image/png"
    assert len(data) <= MAX_IMAGE_BYTES
    assert Image.open(io.BytesIO(data)).size == image.size


# -- pasted pixels ----------------------------------------------------------------------------


def test_pixels_pack_and_unpack_with_padded_rows() -> None:
    data = pack_pixels("RGB", 2, 2, 8, b"abcdef\0\0ghijkl\0\0")
    raw = unpack_pixels(data)
    assert raw is not None
    assert (raw.mode, raw.width, raw.height, raw.stride) == ("RGB", 2, 2, 8)
    assert bytes(raw.pixels) == b"abcdef\0\0ghijkl\0\0"
    assert unpack_pixels(b"\x89PNG\r\n\x1a\n") is None
    with pytest.raises(ValueError):
        unpack_pixels(data[:-4])  # fewer bytes than the header says
    with pytest.raises(ValueError):
        pack_pixels("CMYK", 1, 1, 4, b"\0" * 4)


@pytest.mark.parametrize("padding", [0, 3])
def test_pasted_screenshot_pixels_become_a_png_at_the_long_edge(padding: int) -> None:
    shot = screenshot((3840, 2160))
    prepared = prepare_image(packed(shot, padding), "Pasted image.png", 1568)

    assert prepared.media_type == "image/png"
    assert (prepared.width, prepared.height) == (1568, 882)
    assert (prepared.original_width, prepared.original_height) == (3840, 2160)
    out = Image.open(io.BytesIO(prepared.data))
    assert out.mode == "RGB" and out.size == (1568, 882)
    assert out.getpixel((10, 400)) == (40, 44, 52)  # the side bar, its colour as it was
    assert not out.info.get("icc_profile") and not out.getexif()


def test_pasted_noisy_pixels_become_a_jpeg_under_the_limit() -> None:
    prepared = prepare_image(packed(noise((3840, 2160))), "Pasted image.png", 2576)
    assert prepared.media_type == "image/jpeg"
    assert (prepared.width, prepared.height) == (2576, 1449)
    assert len(prepared.data) <= MAX_IMAGE_BYTES


def test_pasted_pixels_keep_real_transparency_and_lose_an_opaque_alpha() -> None:
    clear = Image.new("RGBA", (800, 600), (255, 0, 0, 255))
    ImageDraw.Draw(clear).rectangle((0, 0, 99, 99), fill=(0, 0, 0, 0))
    opaque = screenshot((800, 600)).convert("RGBA")

    kept = prepare_image(packed(clear), "a.png", 1568)
    dropped = prepare_image(packed(opaque), "b.png", 1568)

    assert kept.media_type == "image/png"
    assert Image.open(io.BytesIO(kept.data)).getpixel((5, 5))[3] == 0
    assert Image.open(io.BytesIO(dropped.data)).mode == "RGB"


def test_bad_or_enormous_pasted_pixels_are_refused_with_a_message() -> None:
    with pytest.raises(ImagePrepError, match="damaged"):
        prepare_image(packed(screenshot((64, 64)))[:-10], "Pasted image.png", 1568)
    huge = pack_pixels("RGB", 20_001, 1, 60_003, b"\0" * 60_003)
    with pytest.raises(ImagePrepError, match="20,001"):
        prepare_image(huge, "Pasted image.png", 1568)
