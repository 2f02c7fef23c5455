"""The resampling filter, the encoder and its settings, chosen per content; the 5 MB rule.

- Screenshots and graphics are scaled down by area averaging (a box filter): sharp text and
  lines get no ringing halos, and it takes about a third of Lanczos' time. Photos: Lanczos.

- Screenshots and graphics (transparency, a palette, or few colours in a sample of the
  picture taken before any resampling) become PNG at zlib level 1: a screenshot's flat areas
  compress nearly as well as at the default level 6 (~20 % larger) in about half the time.
  Only when that is over the limit is it tried at level 6, then as a 256-colour palette.
- Photos (many colours) become JPEG at quality 90 (then 80, 70, 60 if over the limit).
- Whatever comes out stays under the API's per-image limit (`MAX_IMAGE_BYTES`): failing the
  steps above, the picture is scaled down (by the square root of the overshoot) and encoded again.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from PIL import Image

from desktop.core.images import MAX_IMAGE_BYTES

JPEG_QUALITY = 90
JPEG_QUALITIES_WHEN_TOO_BIG = (80, 70, 60)
PNG_FAST_LEVEL = 1
PNG_LEVEL_WHEN_TOO_BIG = 6
FEW_COLOURS = 4096
"""Pictures whose colour sample has at most this many distinct colours are graphics."""
SAMPLE_PIXELS = 250_000
"""About this many pixels (every n-th of every n-th row) are looked at to count colours."""
_RESAMPLE = Image.Resampling.LANCZOS


@dataclass(frozen=True, slots=True)
class Encoding:
    """A Pillow format and the options of its `save`."""

    format: str
    options: dict[str, int] = field(default_factory=dict)

    @property
    def media_type(self) -> str:
        return f"image/{self.format.lower()}"


def few_colours(image: Image.Image) -> bool:
    """Whether a sample of `image`'s pixels (a regular grid, colours as they are: no
    resampling) has at most `FEW_COLOURS` distinct colours."""
    step = max(1, math.isqrt(image.width * image.height // SAMPLE_PIXELS))
    sample = image
    if step > 1:
        size = (max(1, image.width // step), max(1, image.height // step))
        sample = image.resize(size, Image.Resampling.NEAREST)
    return sample.getcolors(FEW_COLOURS) is not None


def resample_filter(graphics: bool) -> Image.Resampling:
    """How a picture is scaled down: area averaging for graphics, Lanczos for photos."""
    return Image.Resampling.BOX if graphics else _RESAMPLE


def choose_encoding(image: Image.Image, graphics: bool) -> Encoding:
    """PNG (fast zlib) for graphics and transparency, JPEG for photos."""
    if graphics or image.mode in ("RGBA", "LA"):
        return Encoding("PNG", {"compress_level": PNG_FAST_LEVEL})
    return Encoding("JPEG", {"quality": JPEG_QUALITY})


def drop_unused_alpha(image: Image.Image) -> Image.Image:
    """RGBA or LA whose every pixel is opaque, as RGB or L."""
    if image.mode in ("RGBA", "LA") and image.getchannel("A").getextrema() == (255, 255):
        return image.convert(image.mode[:-1])
    return image


def encode_within_limit(image: Image.Image, graphics: bool) -> tuple[bytes, str, Image.Image]:
    """`image` encoded as `choose_encoding` says, under the limit; returns the bytes, their
    media type and the picture they hold (smaller than `image` if it had to be scaled)."""
    image = drop_unused_alpha(image)
    encoding = choose_encoding(image, graphics)
    while True:
        if encoding.format == "PNG":
            data = _encode_png(image, encoding)
        else:
            data = _encode_jpeg(image, encoding)
        if len(data) <= MAX_IMAGE_BYTES:
            return data, encoding.media_type, image
        # Too big: shrink by the square root of the overshoot, with a margin; at least 10 %.
        scale = min(0.9, math.sqrt(MAX_IMAGE_BYTES / len(data)) * 0.9)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, _RESAMPLE)


def _encode_jpeg(image: Image.Image, encoding: Encoding) -> bytes:
    data = save(image, encoding)
    for quality in JPEG_QUALITIES_WHEN_TOO_BIG:
        if len(data) <= MAX_IMAGE_BYTES:
            break
        data = save(image, Encoding("JPEG", {"quality": quality}))
    return data


def _encode_png(image: Image.Image, encoding: Encoding) -> bytes:
    data = save(image, encoding)
    if len(data) > MAX_IMAGE_BYTES:
        data = save(image, Encoding("PNG", {"compress_level": PNG_LEVEL_WHEN_TOO_BIG}))
    if len(data) > MAX_IMAGE_BYTES and image.mode in ("RGB", "RGBA"):
        method = Image.Quantize.FASTOCTREE if image.mode == "RGBA" else Image.Quantize.MEDIANCUT
        palette = image.quantize(256, method=method)
        data = save(palette, Encoding("PNG", {"compress_level": PNG_LEVEL_WHEN_TOO_BIG}))
    return data


def save(image: Image.Image, encoding: Encoding) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, encoding.format, **encoding.options)
    return buffer.getvalue()
