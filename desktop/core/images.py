"""Sizing rules for images sent to Claude: target size, request limits, token estimate.

No pixel work here (that is `desktop.media.images`); only numbers, from reference/api-facts.md §4:

- Media types the API accepts: JPEG, PNG, GIF and WebP.
- Each image is at most 5 MB *as sent*, that is in its base64 form (the API compares the
  base64 length with 5,242,880), so the raw file may hold at most 3,932,160 bytes.
- At most 8000 px per side; 2000 px per side when a request holds more than 20 images.
- At most 100 images per request on models with a context window of 200K tokens or less (and
  on models whose window is unknown), 600 on the others.
- The whole request is at most 32 MB; images travel base64-encoded, so that form is counted.
- Each model looks at an image at its native resolution: the long edge from
  ``resources/models.toml`` (1568 px, or 2576 px with high-resolution vision). Larger images
  are scaled down keeping their aspect ratio, never up.

Token estimate: the image is first scaled to the model's long edge, then counted in 28 × 28 px
patches, ``ceil(w / 28) × ceil(h / 28)``, capped at the model's per-image budget (about 1568
tokens at 1568 px, 4784 at 2576 px). The patch formula is the one on the newest vision page; it
matches the documented 4784 tokens for a 16:9 image at 2576 px exactly (92 × 52 patches) and
the API's padding to multiples of 28 px. The older ``w × h / 750`` rule gives nearly the same
numbers (within ~5 %), see `estimate_tokens_legacy`.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from desktop.core.catalog import ModelSpec
from desktop.core.errors import DeskError

SUPPORTED_MEDIA_TYPES: frozenset[str] = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp"}
)

MB = 1024 * 1024
MAX_IMAGE_BASE64_BYTES = 5 * MB
"""The API's per-image limit, compared with the base64 text."""
MAX_IMAGE_BYTES = MAX_IMAGE_BASE64_BYTES // 4 * 3
"""The largest raw image (3,932,160 bytes) whose base64 form fits `MAX_IMAGE_BASE64_BYTES`."""
MAX_REQUEST_BYTES = 32 * MB
MAX_SIDE = 8000
MAX_SIDE_MANY_IMAGES = 2000
MANY_IMAGES = 20
"""More images than this in one request bring the `MAX_SIDE_MANY_IMAGES` rule."""
MAX_IMAGES_SMALL_CONTEXT = 100
MAX_IMAGES = 600
SMALL_CONTEXT = 200_000

PATCH = 28
_TOKEN_BUDGETS = ((1568, 1568), (2576, 4784))
"""(long edge, most tokens per image) as documented for standard and high-resolution vision."""


class ImagePrepError(DeskError):
    """An image cannot be used; `message` says why, for the person who picked it."""

    retryable = False
    title = "Image not usable"


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What the rules need to know about one prepared image (the bytes that will be sent)."""

    media_type: str
    width: int
    height: int
    byte_size: int
    sha256: str
    name: str = ""

    @property
    def base64_size(self) -> int:
        return base64_size(self.byte_size)

    @property
    def label(self) -> str:
        return f"“{self.name}”" if self.name else f"an image of {self.width} × {self.height} px"


def base64_size(byte_size: int) -> int:
    """Length of the base64 text for `byte_size` raw bytes."""
    return 4 * math.ceil(byte_size / 3)


def format_bytes(byte_size: int) -> str:
    """A size for people: ``812 KB``, ``4.7 MB``."""
    if byte_size < MB:
        return f"{max(1, round(byte_size / 1024))} KB" if byte_size else "0 KB"
    return f"{byte_size / MB:.1f} MB"


def target_size(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """The size to send: the long side at most `long_edge`, aspect kept, never upscaled."""
    if width <= 0 or height <= 0:
        raise ValueError(f"an image cannot be {width} × {height} px")
    longest = max(width, height)
    if longest <= long_edge:
        return width, height
    scale = long_edge / longest
    if width >= height:
        return long_edge, max(1, round(height * scale))
    return max(1, round(width * scale)), long_edge


def request_long_edge(spec: ModelSpec, image_count: int) -> int:
    """The long edge to prepare images at when a request will hold `image_count` images."""
    limit = MAX_SIDE_MANY_IMAGES if image_count > MANY_IMAGES else MAX_SIDE
    return min(spec.image_long_edge, limit)


def max_images_per_request(spec: ModelSpec) -> int:
    """100 on models with a 200K-token window or less (or an unknown one), else 600."""
    window = spec.context_window
    return MAX_IMAGES if window is not None and window > SMALL_CONTEXT else MAX_IMAGES_SMALL_CONTEXT


def max_image_tokens(long_edge: int) -> int:
    """The most tokens one image costs on a model with this native long edge."""
    for edge, tokens in _TOKEN_BUDGETS:
        if long_edge <= edge:
            return tokens
    return math.ceil(long_edge / PATCH) ** 2  # no documented budget beyond 2576 px


def estimate_tokens(width: int, height: int, long_edge: int) -> int:
    """Input tokens for a `width` × `height` image on a model with this native long edge."""
    w, h = target_size(width, height, long_edge)
    patches = math.ceil(w / PATCH) * math.ceil(h / PATCH)
    return min(patches, max_image_tokens(long_edge))


def estimate_tokens_legacy(width: int, height: int, long_edge: int) -> int:
    """The older documented rule, ``w × h / 750`` after the resize (for comparison)."""
    w, h = target_size(width, height, long_edge)
    return min(math.ceil(w * h / 750), max_image_tokens(long_edge))


def estimate_image_tokens(facts: ImageFacts, spec: ModelSpec) -> int:
    """Input tokens one prepared image costs on the model `spec`."""
    return estimate_tokens(facts.width, facts.height, spec.image_long_edge)


def _names(images: Sequence[ImageFacts], limit: int = 3) -> str:
    shown = ", ".join(image.label for image in images[:limit])
    more = len(images) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def check_request(images: list[ImageFacts], spec: ModelSpec) -> list[str]:
    """Problems that would make the API refuse a request holding `images`, for people.

    `images` must be every image in the request: those of earlier turns that are sent again
    as well as the new ones. An empty list means the request is fine.
    """
    problems: list[str] = []
    unsupported = [i for i in images if i.media_type not in SUPPORTED_MEDIA_TYPES]
    if unsupported:
        problems.append(
            f"{_names(unsupported)}: Claude accepts only JPEG, PNG, GIF and WebP images."
        )
    too_big = [i for i in images if i.base64_size > MAX_IMAGE_BASE64_BYTES]
    if too_big:
        problems.append(
            f"{_names(too_big)}: an image may be at most 5 MB as sent "
            f"({format_bytes(MAX_IMAGE_BYTES)} before encoding)."
        )
    problems.extend(_side_problems(images))
    most = max_images_per_request(spec)
    if len(images) > most:
        problems.append(
            f"This message would send {len(images)} images; {spec.display_name} accepts at "
            f"most {most} per request. Remove some, or start a new conversation."
        )
    total = sum(i.base64_size for i in images)
    if total > MAX_REQUEST_BYTES:
        problems.append(
            f"The images add up to {format_bytes(total)} as sent; a request may be at most "
            "32 MB. Remove some, or start a new conversation."
        )
    return problems


def _side_problems(images: Sequence[ImageFacts]) -> list[str]:
    huge = [i for i in images if max(i.width, i.height) > MAX_SIDE]
    problems = []
    if huge:
        problems.append(f"{_names(huge)}: an image may be at most {MAX_SIDE} px per side.")
    if len(images) > MANY_IMAGES:
        large = [i for i in images if MAX_SIDE >= max(i.width, i.height) > MAX_SIDE_MANY_IMAGES]
        if large:
            problems.append(
                f"{_names(large)}: with more than {MANY_IMAGES} images in a request "
                f"(this one has {len(images)}), each may be at most {MAX_SIDE_MANY_IMAGES} px "
                "per side."
            )
    return problems


# --- images in stored messages ------------------------------------------------------------------

BLOB_SOURCE = "blob"
"""Stored image blocks name their bytes by SHA-256 (``source.type == "blob"``); requests carry
them base64-encoded (`desktop.core.requests.inline_blobs`)."""


def blob_image_block(facts: ImageFacts) -> dict[str, Any]:
    """The stored form of a prepared image: a reference to its blob, with its facts."""
    return {
        "type": "image",
        "source": {
            "type": BLOB_SOURCE,
            "sha256": facts.sha256,
            "media_type": facts.media_type,
            "width": facts.width,
            "height": facts.height,
            "byte_size": facts.byte_size,
            "name": facts.name,
        },
    }


def facts_from_block(block: dict[str, Any]) -> ImageFacts | None:
    """The facts of a stored image block; None for other blocks."""
    source = block.get("source") if block.get("type") == "image" else None
    if not isinstance(source, dict) or source.get("type") != BLOB_SOURCE:
        return None
    return ImageFacts(
        media_type=str(source.get("media_type", "")),
        width=int(source.get("width", 0)),
        height=int(source.get("height", 0)),
        byte_size=int(source.get("byte_size", 0)),
        sha256=str(source.get("sha256", "")),
        name=str(source.get("name", "")),
    )


# --- images the API fetches itself ---------------------------------------------------------------

URL_SOURCE = "url"
URL_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
"""What a pasted URL's path must end with to be attached as an image (the API's media types)."""


def image_url(text: str) -> str | None:
    """`text` if it is one http(s) URL whose path ends in an image type the API accepts."""
    from urllib.parse import urlsplit

    candidate = text.strip()
    if not candidate or any(c.isspace() for c in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return candidate if parts.path.lower().endswith(URL_IMAGE_SUFFIXES) else None


def url_file_name(url: str) -> str:
    """The file name at the end of an image URL's path ('photo.jpg'), else its host."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return unquote(parts.path.rsplit("/", 1)[-1]) or parts.netloc


def url_image_block(url: str) -> dict[str, Any]:
    """An image the API downloads itself; stored as sent, so later turns send it again."""
    return {"type": "image", "source": {"type": URL_SOURCE, "url": url}}


def url_from_block(block: dict[str, Any]) -> str | None:
    """The URL of an image block with a URL source; None for other blocks."""
    source = block.get("source") if block.get("type") == "image" else None
    if isinstance(source, dict) and source.get("type") == URL_SOURCE:
        return str(source.get("url") or "") or None
    return None


# --- raw pixels -------------------------------------------------------------------------------

RAW_PIXELS_MAGIC = b"\x89CDPIXELS\r\n"
"""How raw pixels handed to the image preparer start (a pasted picture: no PNG round trip).
No image format starts so (PNG starts with ``\\x89PNG``)."""
_RAW_HEADER = struct.Struct("<4sIII")  # mode (padded), width, height, bytes per row
RAW_MODES = ("RGB", "RGBA")


@dataclass(frozen=True, slots=True)
class RawPixels:
    """8-bit RGB or RGBA rows, `stride` bytes apart (rows may be padded), top row first."""

    mode: str
    width: int
    height: int
    stride: int
    pixels: memoryview


def pack_pixels(mode: str, width: int, height: int, stride: int, pixels: Any) -> bytes:
    """`pixels` (any buffer: bytes, memoryview) with a header saying how to read them."""
    if mode not in RAW_MODES:
        raise ValueError(f"raw pixels are RGB or RGBA, not {mode}")
    header = RAW_PIXELS_MAGIC + _RAW_HEADER.pack(mode.encode().ljust(4), width, height, stride)
    return b"".join([header, pixels])


def unpack_pixels(data: bytes) -> RawPixels | None:
    """The pixels `pack_pixels` made (None: `data` is not such pixels). Raises ValueError when
    the header does not match the bytes that follow."""
    if not data.startswith(RAW_PIXELS_MAGIC):
        return None
    start = len(RAW_PIXELS_MAGIC) + _RAW_HEADER.size
    if len(data) < start:
        raise ValueError("raw pixels: the header is cut short")
    raw_mode, width, height, stride = _RAW_HEADER.unpack_from(data, len(RAW_PIXELS_MAGIC))
    mode = raw_mode.rstrip(b" ").decode("ascii", "replace")
    row = width * len(mode)
    if mode not in RAW_MODES or stride < row or len(data) - start < stride * height:
        raise ValueError("raw pixels: the header does not match the pixels")
    return RawPixels(mode, width, height, stride, memoryview(data)[start:])
