"""Image preparation with generated images: orientation, metadata, sizes, formats, bad input."""

from __future__ import annotations

import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageCms, ImageDraw, ImageOps

from desktop.core.errors import DeskError
from desktop.core.images import MAX_IMAGE_BYTES, ImagePrepError
from desktop.media.images import (
    MAX_INPUT_BYTES,
    make_thumbnail,
    prepare_image,
    prepare_image_file,
)

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)
GPS_IFD = 0x8825


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def marked_photo(size: tuple[int, int] = (400, 200)) -> Image.Image:
    """White, with a red block in the top-left corner and a blue one in the bottom-left."""
    image = Image.new("RGB", size, WHITE)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((0, 0, w // 4, h // 4), fill=RED)
    draw.rectangle((0, h - h // 4, w // 4, h - 1), fill=BLUE)
    return image


def colour_at(image: Image.Image, x: float, y: float) -> str:
    r, g, b = image.convert("RGB").getpixel(
        (int(x * (image.width - 1)), int(y * (image.height - 1)))
    )
    if r > 200 and g > 200 and b > 200:
        return "white"
    if r > 200 and g < 60 and b < 60:
        return "red"
    if b > 200 and r < 60 and g < 60:
        return "blue"
    return f"{(r, g, b)}"


def corners(image: Image.Image) -> list[str]:
    at = 0.05
    return [
        colour_at(image, x, y) for x, y in ((at, at), (1 - at, at), (at, 1 - at), (1 - at, 1 - at))
    ]


def opened(prepared_data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(prepared_data))
    image.load()
    return image


def exif_jpeg(image: Image.Image, orientation: int = 1, gps: bool = False) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon EOS R5"  # Model
    exif[0x0131] = "Firmware 1.2"  # Software
    exif[0x0112] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 10.5), 3: "E", 4: (4.0, 53.0, 1.25)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        image,
        "JPEG",
        quality=95,
        exif=exif,
        icc_profile=icc,
        comment=b"shot at home",
        xmp=b"<x:xmpmeta><rdf:RDF>secret location</rdf:RDF></x:xmpmeta>",
    )


# --- orientation and metadata -----------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(orientation: int) -> None:
    data = exif_jpeg(marked_photo(), orientation)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))

    prepared = prepare_image(data, "photo.jpg", 1568)

    result = opened(prepared.data)
    assert result.size == expected.size == (prepared.width, prepared.height)
    assert corners(result) == corners(expected)


def test_a_photo_taken_sideways_comes_out_upright() -> None:
    # Stored landscape, 400 × 200, with orientation 6: the camera was turned clockwise.
    data = exif_jpeg(marked_photo(), orientation=6)

    result = opened(prepare_image(data, "sideways.jpg", 1568).data)

    assert result.size == (200, 400)
    # Rotated 90° clockwise: the stored top-left red block is now top-right, blue top-left.
    assert corners(result) == ["blue", "red", "white", "white"]


def test_gps_and_all_other_metadata_are_stripped() -> None:
    data = exif_jpeg(marked_photo(), orientation=1, gps=True)
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(GPS_IFD)  # the input does carry a location
    assert b"Canon" in data and b"secret location" in data

    prepared = prepare_image(data, "holiday.jpg", 1568)

    result = opened(prepared.data)
    assert not result.getexif()
    assert not result.getexif().get_ifd(GPS_IFD)
    for key in ("exif", "xmp", "icc_profile", "comment", "photoshop"):
        assert key not in result.info
    for marker in (b"Exif", b"Canon", b"secret location", b"shot at home", b"http://ns.adobe"):
        assert marker not in prepared.data


def test_png_text_and_exif_chunks_are_stripped() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe")
    info.add_text("parameters", "secret prompt")
    exif = Image.Exif()
    exif[0x010F] = "Pixel"
    data = encode(marked_photo(), "PNG", pnginfo=info, exif=exif)

    prepared = prepare_image(data, "screen.png", 1568)

    assert prepared.media_type == "image/png"
    assert b"Jane Doe" not in prepared.data and b"secret prompt" not in prepared.data
    assert b"eXIf" not in prepared.data and b"Pixel" not in prepared.data
    assert not opened(prepared.data).info.keys() - {"dpi", "gamma", "srgb"}


# --- sizes ------------------------------------------------------------------------------------


def test_a_huge_png_is_shrunk_to_the_long_edge() -> None:
    image = Image.new("1", (12_000, 9_000), 1)  # 13 MB in memory; 1-bit keeps it quick
    ImageDraw.Draw(image).rectangle((0, 0, 5_999, 8_999), fill=0)  # left half black
    data = encode(image, "PNG", compress_level=1)

    prepared = prepare_image(data, "scan.png", 1568)

    assert (prepared.width, prepared.height) == (1568, 1176)
    assert (prepared.original_width, prepared.original_height) == (12_000, 9_000)
    assert prepared.media_type == "image/png"
    result = opened(prepared.data)
    assert result.size == (1568, 1176)
    assert result.convert("L").getpixel((100, 600)) == 0
    assert result.convert("L").getpixel((1400, 600)) == 255


@pytest.mark.parametrize(("edge", "expected"), [(1568, (1568, 1045)), (2576, (2576, 1717))])
def test_photo_is_resized_to_the_models_long_edge(edge: int, expected: tuple[int, int]) -> None:
    data = encode(Image.effect_noise((3000, 2000), 40).convert("RGB"), "JPEG", quality=90)

    prepared = prepare_image(data, "photo.jpg", edge)

    assert (prepared.width, prepared.height) == expected
    assert prepared.media_type == "image/jpeg"
    assert opened(prepared.data).size == expected


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_small_images_are_never_upscaled(fmt: str) -> None:
    data = encode(marked_photo((300, 200)), fmt)

    prepared = prepare_image(data, f"small.{fmt.lower()}", 2576)

    assert (prepared.width, prepared.height) == (300, 200)
    assert opened(prepared.data).size == (300, 200)


def test_a_large_noisy_photo_stays_under_the_limit() -> None:
    noise = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))
    data = encode(noise, "PNG", compress_level=0)  # lossless and incompressible: 36 MB

    prepared = prepare_image(data, "noise.png", 2576)

    assert prepared.media_type == "image/jpeg"  # many colours: a photo
    assert len(prepared.data) <= MAX_IMAGE_BYTES
    assert max(prepared.width, prepared.height) <= 2576


def test_a_large_noisy_transparent_image_stays_png_and_under_the_limit() -> None:
    noise = Image.frombytes("RGBA", (2000, 1400), os.urandom(2000 * 1400 * 4))

    prepared = prepare_image(encode(noise, "PNG", compress_level=0), "noise.png", 2576)

    assert prepared.media_type == "image/png"
    assert len(prepared.data) <= MAX_IMAGE_BYTES
    assert "A" in opened(prepared.data).getbands() or "transparency" in opened(prepared.data).info


# --- formats ----------------------------------------------------------------------------------


def test_bmp_becomes_png() -> None:
    prepared = prepare_image(encode(marked_photo(), "BMP"), "diagram.bmp", 1568)

    assert prepared.media_type == "image/png"
    assert prepared.original_format == "BMP"
    assert "converted from BMP" in prepared.notes
    assert opened(prepared.data).format == "PNG"
    assert corners(opened(prepared.data)) == ["red", "white", "blue", "white"]


def test_a_tiff_photo_becomes_jpeg() -> None:
    photo = Image.merge("RGB", [Image.effect_noise((800, 600), 50) for _ in range(3)])

    prepared = prepare_image(encode(photo, "TIFF"), "scan.tiff", 1568)

    assert prepared.media_type == "image/jpeg"
    assert opened(prepared.data).format == "JPEG"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_transparency_is_kept_as_png(fmt: str) -> None:
    image = Image.new("RGBA", (120, 80), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 110, 70), fill=(255, 0, 0, 255))

    prepared = prepare_image(encode(image, fmt), f"logo.{fmt.lower()}", 1568)

    assert prepared.media_type == "image/png"
    result = opened(prepared.data).convert("RGBA")
    assert result.getpixel((0, 0))[3] == 0
    r, g, b, a = result.getpixel((60, 40))
    assert r > 250 and g < 5 and b < 5 and a == 255  # WebP is lossy


def test_an_opaque_rgba_screenshot_loses_its_useless_alpha() -> None:
    image = marked_photo().convert("RGBA")

    prepared = prepare_image(encode(image, "PNG"), "screenshot.png", 1568)

    assert opened(prepared.data).mode == "RGB"


def test_animated_gif_sends_its_first_frame_as_png() -> None:
    frames = [Image.new("RGB", (64, 48), colour) for colour in (RED, BLUE, WHITE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 3

    prepared = prepare_image(data, "party.gif", 1568)

    assert prepared.media_type == "image/png"
    assert any("first frame" in note for note in prepared.notes)
    assert colour_at(opened(prepared.data), 0.5, 0.5) == "red"


def test_a_camera_mpo_is_a_jpeg_photo_not_an_animation() -> None:
    photo = marked_photo((1200, 600))
    data = encode(photo, "MPO", save_all=True, append_images=[photo.resize((300, 150))])
    assert Image.open(io.BytesIO(data)).format == "MPO"

    prepared = prepare_image(data, "camera.jpg", 1000)

    assert prepared.media_type == "image/jpeg"
    assert (prepared.width, prepared.height) == (1000, 500)
    assert prepared.notes == ()


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    image = Image.new("I;16", (64, 64), 32768)

    prepared = prepare_image(encode(image, "PNG"), "xray.png", 1568)

    assert abs(opened(prepared.data).convert("L").getpixel((10, 10)) - 128) <= 1


def test_cmyk_jpeg_becomes_rgb() -> None:
    image = Image.effect_noise((300, 200), 60).convert("RGB").convert("CMYK")

    prepared = prepare_image(encode(image, "JPEG"), "print.jpg", 1568)

    assert opened(prepared.data).mode == "RGB"


def test_prepared_image_describes_itself() -> None:
    prepared = prepare_image(encode(marked_photo(), "JPEG"), "photo.jpg", 1568)

    assert prepared.sha256 == hashlib.sha256(prepared.data).hexdigest()
    facts = prepared.facts
    assert (facts.media_type, facts.width, facts.height) == ("image/jpeg", 400, 200)
    assert facts.byte_size == len(prepared.data)
    assert facts.sha256 == prepared.sha256
    assert facts.name == prepared.name == "photo.jpg"


def test_preparation_runs_in_worker_threads() -> None:
    inputs = [exif_jpeg(marked_photo((800 + i * 40, 600)), orientation=6) for i in range(6)]
    alone = [prepare_image(data, "a.jpg", 500) for data in inputs]

    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda data: prepare_image(data, "a.jpg", 500), inputs))

    assert [p.sha256 for p in together] == [p.sha256 for p in alone]


# --- bad input --------------------------------------------------------------------------------


def message_for(data: bytes, name: str) -> str:
    with pytest.raises(ImagePrepError) as caught:
        prepare_image(data, name, 1568)
    assert isinstance(caught.value, DeskError)
    return caught.value.message


def test_truncated_jpeg() -> None:
    data = encode(Image.effect_noise((800, 600), 50).convert("RGB"), "JPEG")

    message = message_for(data[: len(data) // 2], "cut.jpg")

    assert message == "“cut.jpg” is damaged or incomplete and cannot be read. Try saving it again."


def test_empty_file() -> None:
    assert message_for(b"", "empty.png") == (
        "“empty.png” is empty (0 bytes), so there is no image to send."
    )


def test_text_file_named_png() -> None:
    message = message_for(b"Dear diary,\nthis is not a picture.\n" * 20, "notes.png")

    assert message.startswith("“notes.png” is not an image Claude Desk can read")


def test_garbage_after_a_png_signature() -> None:
    message = message_for(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "broken.png")

    assert "“broken.png”" in message


def test_a_100_megabyte_file_is_refused_before_decoding() -> None:
    message = message_for(bytes(100 * 1024 * 1024), "huge.tif")

    assert message == "“huge.tif” is 100.0 MB; Claude Desk opens images smaller than 100 MB."


def test_a_100_megabyte_file_on_disk_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    with path.open("wb") as handle:
        handle.truncate(MAX_INPUT_BYTES)  # sparse: nothing is written

    with pytest.raises(ImagePrepError, match="smaller than 100 MB"):
        prepare_image_file(path, 1568)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ImagePrepError, match=r"“gone\.png” could not be read"):
        prepare_image_file(tmp_path / "gone.png", 1568)


def test_prepare_image_file_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(exif_jpeg(marked_photo(), orientation=6, gps=True))

    prepared = prepare_image_file(path, 1568)

    assert prepared.name == "photo.jpg"
    assert (prepared.width, prepared.height) == (200, 400)


def test_a_20001_pixel_side_is_refused() -> None:
    data = encode(Image.new("1", (20_001, 10)), "PNG")

    message = message_for(data, "strip.png")

    assert message.startswith("“strip.png” is 20,001 × 10 px, too large to prepare safely")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    data = encode(Image.new("1", (16_000, 16_000)), "PNG")  # 256 MP of nothing: 30 KB
    assert len(data) < 100_000

    message = message_for(data, "bomb.png")

    assert "16,000 × 16,000 px" in message and "too large" in message


# --- thumbnails -------------------------------------------------------------------------------


def test_thumbnail_is_a_small_upright_png() -> None:
    data = exif_jpeg(marked_photo((1600, 800)), orientation=6, gps=True)

    thumbnail = opened(make_thumbnail(data, 96))

    assert thumbnail.format == "PNG"
    assert thumbnail.size == (48, 96)
    assert corners(thumbnail) == ["blue", "red", "white", "white"]
    assert not thumbnail.getexif()


def test_thumbnail_of_bad_input_raises_the_same_error() -> None:
    with pytest.raises(ImagePrepError, match="not an image"):
        make_thumbnail(b"hello", 96, "hello.png")
