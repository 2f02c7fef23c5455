"""Image preparation with Pillow: decode, orient, downscale, strip metadata, re-encode.

Pure functions over bytes, safe to run in a worker thread (``asyncio.to_thread``); Pillow
releases the GIL while it decodes, resizes and encodes.

What comes out:

- Always a freshly encoded JPEG or PNG built from the pixels alone, so no metadata leaves the
  machine: no EXIF (GPS, camera, date), XMP, IPTC, comments or PNG text chunks.
- Colour: an embedded ICC profile is used to convert the pixels to sRGB, then dropped (the
  model reads sRGB; a profile could name the device). Without a profile the pixels are taken
  as sRGB. CMYK is converted to RGB.
- EXIF orientation is applied (the same transposition as ``ImageOps.exif_transpose``, done
  after the downscale because it is cheaper there), so the image is upright.
- The long edge is at most the model's (`long_edge`), aspect kept, never upscaled; JPEG input
  is decoded at a reduced DCT scale first (``Image.draft``), then resampled with Lanczos.
- Transparency, screenshots and graphics (few colours) become PNG; photos JPEG (quality 90).
  Whatever the API accepts as a format is still re-encoded, for the metadata's sake.
- Animated GIF, PNG or WebP: the first frame is sent, as a still image (the API reads only
  one frame); `PreparedImage.notes` says so.
- The result stays under the API's 5 MB (base64) limit: lower JPEG quality, a palette for PNG,
  then a smaller size if need be.

Every problem with the input is an `ImagePrepError` whose message a person can act on.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from desktop.core.images import (
    MB,
    ImageFacts,
    ImagePrepError,
    RawPixels,
    format_bytes,
    target_size,
    unpack_pixels,
)
from desktop.media.encoding import (
    JPEG_QUALITY,
    encode_within_limit,
    few_colours,
    resample_filter,
)
from desktop.media.png_strips import reduced_png

__all__ = ["JPEG_QUALITY", "PillowImagePreparer", "PreparedImage", "prepare_image"]

MAX_INPUT_BYTES = 100 * MB
"""Files of this size (100 MB, counted as `format_bytes` shows sizes) or more are refused."""
MAX_INPUT_SIDE = 20_000
MAX_INPUT_PIXELS = 150_000_000
"""Pictures of more pixels are refused. JPEG decodes smaller (`draft`), PNG a strip at a time
(`png_strips`); other kinds are decoded whole, up to `MAX_WHOLE_DECODE_PIXELS`."""
MAX_WHOLE_DECODE_PIXELS = 40_000_000
"""Pictures decoded whole (GIF, WebP, TIFF, BMP, interlaced or 16-bit PNG) may have at most
this many pixels (~160 MB as RGBA)."""
_JPEG_FORMATS = ("JPEG", "MPO")  # MPO: cameras' JPEG with a second (preview) picture
_REDUCING_GAP = 3.0
_LOSSLESS_OK_MODES = {"L", "LA", "RGB", "RGBA"}

# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that; this module refuses above
# MAX_INPUT_PIXELS itself, so line Pillow's guard up with it (and keep it as a backstop).
Image.MAX_IMAGE_PIXELS = MAX_INPUT_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

_ORIENTATION_TAG = 0x0112
_TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """An image ready to send: `data` is a JPEG or PNG file of `width` × `height` px."""

    data: bytes
    media_type: str
    width: int
    height: int
    name: str
    sha256: str
    original_format: str = ""
    original_width: int = 0
    original_height: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def facts(self) -> ImageFacts:
        return ImageFacts(
            media_type=self.media_type,
            width=self.width,
            height=self.height,
            byte_size=len(self.data),
            sha256=self.sha256,
            name=self.name,
        )


def prepare_image(data: bytes, name: str, long_edge: int) -> PreparedImage:
    """Make `data` (the file called `name`) ready to send to a model with this long edge.

    Raises:
        ImagePrepError: the file is empty, too large, not an image, damaged or enormous.
    """
    notes: tuple[str, ...] = ()
    raw = _raw_pixels(data, name)
    if raw is not None:  # a pasted picture's pixels: nothing to decode
        original_format, original_size = "", (raw.width, raw.height)
        image, lossless = _from_pixels(raw, long_edge)
    else:
        with _open(data, name) as source:
            original_format = source.format or ""
            original_size = source.size
            notes = _notes(source, original_format)
            image, lossless = _decode(source, name, long_edge, data)
    data_out, media_type, image = encode_within_limit(image, lossless)
    return PreparedImage(
        data=data_out,
        media_type=media_type,
        width=image.width,
        height=image.height,
        name=name,
        sha256=hashlib.sha256(data_out).hexdigest(),
        original_format=original_format,
        original_width=original_size[0],
        original_height=original_size[1],
        notes=notes,
    )


def prepare_image_file(path: Path, long_edge: int) -> PreparedImage:
    """`prepare_image` for a file, refusing one that is too large before reading it."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size >= MAX_INPUT_BYTES:
            raise ImagePrepError(_too_large_message(path.name, size))
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ImagePrepError(f"“{path.name}” could not be read: {reason}.") from exc
    return prepare_image(data, path.name, long_edge)


class PillowImagePreparer:
    """`core.ports.ImagePreparer` over this module's functions (thread-safe, stateless)."""

    def prepare(self, data: bytes, name: str, long_edge: int) -> PreparedImage:
        return prepare_image(data, name, long_edge)

    def prepare_file(self, path: str, long_edge: int) -> PreparedImage:
        return prepare_image_file(Path(path), long_edge)

    def thumbnail(self, data: bytes, size: int) -> bytes:
        return make_thumbnail(data, size)


def make_thumbnail(data: bytes, size: int, name: str = "image") -> bytes:
    """A PNG of the image, upright, fitting a `size` × `size` px square (never upscaled)."""
    with _open(data, name) as source:
        image, _ = _decode(source, name, size, data)
    if image.mode not in _LOSSLESS_OK_MODES:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


# --- opening and checking ---------------------------------------------------------------------


def _too_large_message(name: str, size: int) -> str:
    return (
        f"“{name}” is {format_bytes(size)}; Claude Desk opens images smaller than "
        f"{MAX_INPUT_BYTES // MB} MB."
    )


def _open(data: bytes, name: str) -> Image.Image:
    if not data:
        raise ImagePrepError(f"“{name}” is empty (0 bytes), so there is no image to send.")
    if len(data) >= MAX_INPUT_BYTES:
        raise ImagePrepError(_too_large_message(name, len(data)))
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImagePrepError(_enormous_message(name, None)) from exc
    except UnidentifiedImageError as exc:
        raise ImagePrepError(
            f"“{name}” is not an image Claude Desk can read (JPEG, PNG, GIF, WebP, BMP, TIFF "
            "and similar work)."
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImagePrepError(_damaged_message(name)) from exc
    width, height = image.size
    if max(width, height) > MAX_INPUT_SIDE or width * height > MAX_INPUT_PIXELS:
        image.close()
        raise ImagePrepError(_enormous_message(name, (width, height)))
    return image


def _enormous_message(name: str, size: tuple[int, int] | None) -> str:
    what = f"{size[0]:,} × {size[1]:,} px" if size else "enormous"
    return (
        f"“{name}” is {what}, too large to prepare safely; Claude Desk opens images of up "
        f"to {MAX_INPUT_SIDE:,} px per side. Scale it down first."
    )


def _damaged_message(name: str) -> str:
    return f"“{name}” is damaged or incomplete and cannot be read. Try saving it again."


def _notes(source: Image.Image, original_format: str) -> tuple[str, ...]:
    notes = []
    if getattr(source, "is_animated", False) and original_format not in _JPEG_FORMATS:
        notes.append("animated: only the first frame is sent")
    if original_format not in ("JPEG", "MPO", "PNG", "GIF", "WEBP", ""):
        notes.append(f"converted from {original_format}")
    return tuple(notes)


# --- raw pixels (pasted pictures) -------------------------------------------------------------


def _raw_pixels(data: bytes, name: str) -> RawPixels | None:
    """`data` as raw pixels (None: it is a file's bytes), checked like a file's size."""
    try:
        raw = unpack_pixels(data)
    except ValueError as exc:
        raise ImagePrepError(_damaged_message(name)) from exc
    if raw is not None and (
        max(raw.width, raw.height) > MAX_INPUT_SIDE or raw.width * raw.height > MAX_INPUT_PIXELS
    ):
        raise ImagePrepError(_enormous_message(name, (raw.width, raw.height)))
    return raw


def _from_pixels(raw: RawPixels, long_edge: int) -> tuple[Image.Image, bool]:
    """The pixels at most `long_edge` on their long side: reduced by the whole factor that
    keeps them at least the target size (a box filter), then resampled as a big PNG is
    (`resample_filter`). Graphics or a photo is decided on the pixels as they came (a sample)."""
    size = target_size(raw.width, raw.height, long_edge)
    image = Image.frombuffer(
        raw.mode,
        (raw.width, raw.height),
        raw.pixels,  # type: ignore[arg-type]  # any buffer will do (Pillow's stubs say bytes)
        "raw",
        raw.mode,
        raw.stride,
        1,
    )
    lossless = few_colours(image)
    factor = min(raw.width // size[0], raw.height // size[1])
    if factor >= 2:
        image = image.reduce(factor)
    if image.size != size:
        image = image.resize(size, resample_filter(lossless))
    elif image.readonly:
        image = image.copy()  # its own pixels, not a view of the caller's bytes
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")  # an opaque picture: graphics only if its colours say so
    elif image.mode == "RGBA":
        lossless = True
    return image, lossless


# --- decoding ---------------------------------------------------------------------------------


def _decode(
    source: Image.Image, name: str, long_edge: int, data: bytes = b""
) -> tuple[Image.Image, bool]:
    """The first frame, at most `long_edge` on its long side, upright, in sRGB.

    Also says whether the picture is graphics rather than a photo (transparency, a palette, or
    few colours in a lossless file), which is decided before resampling adds colours.
    Big pictures are decoded in reduced form: JPEG at a reduced DCT scale (`draft`), PNG (the
    file's bytes, `data`) a strip at a time (`png_strips`); other big ones are refused.
    """
    size = target_size(source.width, source.height, long_edge)
    try:
        if source.format in _JPEG_FORMATS:
            source.draft(None, size)  # decode at 1/2, 1/4 or 1/8 scale when that is enough
        image = _reduced_png(source, data, size)
        loaded = image is None
        if image is None:
            _refuse_whole_decode_if_huge(source, name, size)
            source.load()
            image = _working_mode(source)
        orientation = _orientation(source, loaded)
        icc = source.info.get("icc_profile")
        lossless = _looks_like_graphics(source, image)
        if image.size != size and not loaded:  # reduced already: one pass at a time, so
            resample = resample_filter(lossless)
            image = image.resize((size[0], image.height), resample)  # each frees the last
            image = image.resize(size, resample)
        elif image.size != size:
            image = image.resize(size, resample_filter(lossless), reducing_gap=_REDUCING_GAP)
        elif image is source:
            image = source.copy()  # the source is closed after this
    except Image.DecompressionBombError as exc:
        raise ImagePrepError(_enormous_message(name, source.size)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImagePrepError(_damaged_message(name)) from exc
    except MemoryError as exc:
        raise ImagePrepError(_enormous_message(name, source.size)) from exc
    image = _to_srgb(image, icc)
    transpose = _TRANSPOSE_FOR_ORIENTATION.get(orientation)
    if transpose is not None:
        image = image.transpose(transpose)
    image.info = {}  # nothing of the source's metadata may be written out again
    return image, lossless


def _reduced_png(source: Image.Image, data: bytes, size: tuple[int, int]) -> Image.Image | None:
    """A PNG at least twice the target size, decoded a strip at a time and reduced by the
    whole factor that keeps it at least `size` (so at most 2.25 times its pixels); None
    when that does not apply and the picture is decoded whole."""
    factor = min(source.width // size[0], source.height // size[1])
    if source.format != "PNG" or factor < 2 or not data:
        return None
    return reduced_png(data, factor, _working_mode)


def _refuse_whole_decode_if_huge(source: Image.Image, name: str, size: tuple[int, int]) -> None:
    """Refuse a picture decoded whole (no reduced decode for its kind) that would take more
    than `MAX_WHOLE_DECODE_PIXELS` of memory: say what to do instead."""
    if source.format in _JPEG_FORMATS:
        return
    width, height = source.size
    if width * height > MAX_WHOLE_DECODE_PIXELS and size != source.size:
        kind = source.format or "this kind of"
        raise ImagePrepError(
            f"“{name}” is {width:,} × {height:,} px; Claude Desk reads {kind} images this "
            "large only as JPEG or non-interlaced 8-bit PNG files. Save it as one of those, "
            "or scale it down first."
        )


def _looks_like_graphics(source: Image.Image, image: Image.Image) -> bool:
    if source.mode in ("1", "P", "PA") or image.mode in ("LA", "RGBA"):
        return True
    if source.format in _JPEG_FORMATS:
        return False
    return few_colours(image)


def _orientation(source: Image.Image, loaded: bool = True) -> int:
    if not loaded and "exif" not in source.info:
        return 1  # a PNG's getexif would load the whole picture to look behind its pixels
    try:
        value = source.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # a damaged EXIF block: treat the image as upright
        return 1
    return value if isinstance(value, int) else 1


def _working_mode(image: Image.Image) -> Image.Image:
    """One of L, LA, RGB, RGBA or CMYK, with 16-bit and float greys scaled to 8 bits."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return image
    if mode == "P" or mode == "PA":
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I") or mode == "F":
        return _to_8bit_grey(image)
    if mode in ("La", "RGBa"):
        return image.convert(mode.upper())
    if "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")


def _to_8bit_grey(image: Image.Image) -> Image.Image:
    """16-bit and 32-bit greys as 8-bit L; Pillow's own convert would clip, not scale."""
    image = image.convert("F") if image.mode == "F" else image.convert("I")
    _low, high = image.getextrema()
    if isinstance(high, (int, float)) and high > 255:
        scale = 255 / (65535 if high <= 65535 else float(high))
        image = image.point(lambda value: value * scale)
    return image.convert("L")


def _to_srgb(image: Image.Image, icc: object) -> Image.Image:
    """Pixels converted from their embedded ICC profile to sRGB; CMYK always ends as RGB."""
    if isinstance(icc, bytes) and icc and image.mode in ("RGB", "RGBA", "CMYK"):
        out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=out_mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None
        if converted is not None:
            return converted
    return image.convert("RGB") if image.mode == "CMYK" else image
