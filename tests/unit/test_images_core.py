"""Image sizing rules: target size, token estimate, request limits (no pixels involved)."""

from __future__ import annotations

import pytest

from desktop.core.catalog import ModelSpec
from desktop.core.images import (
    MAX_IMAGE_BASE64_BYTES,
    MAX_IMAGE_BYTES,
    SUPPORTED_MEDIA_TYPES,
    ImageFacts,
    base64_size,
    check_request,
    estimate_tokens,
    estimate_tokens_legacy,
    max_images_per_request,
    request_long_edge,
    target_size,
)

HAIKU = ModelSpec("claude-haiku-4-5", "Claude Haiku 4.5", context_window=200_000)
OPUS = ModelSpec(
    "claude-opus-4-8", "Claude Opus 4.8", context_window=1_000_000, image_long_edge=2576
)
UNKNOWN = ModelSpec("claude-new", "claude-new")


def facts(width: int = 1000, height: int = 800, size: int = 100_000, **kw: str) -> ImageFacts:
    return ImageFacts(
        media_type=kw.get("media_type", "image/jpeg"),
        width=width,
        height=height,
        byte_size=size,
        sha256="0" * 64,
        name=kw.get("name", ""),
    )


@pytest.mark.parametrize(
    ("size", "edge", "expected"),
    [
        ((12_000, 9_000), 1568, (1568, 1176)),
        ((9_000, 12_000), 1568, (1176, 1568)),
        ((6_000, 4_000), 2576, (2576, 1717)),
        ((4_000, 4_000), 1568, (1568, 1568)),
        ((100, 10_000), 1568, (16, 1568)),
        ((20_000, 1), 1568, (1568, 1)),  # never below one pixel
    ],
)
def test_target_size_keeps_aspect_and_fits_long_edge(
    size: tuple[int, int], edge: int, expected: tuple[int, int]
) -> None:
    assert target_size(*size, edge) == expected


@pytest.mark.parametrize("size", [(800, 600), (1568, 1000), (1, 1), (2576, 2576)])
def test_target_size_never_upscales(size: tuple[int, int]) -> None:
    assert target_size(*size, 2576) == size


def test_target_size_refuses_empty_images() -> None:
    with pytest.raises(ValueError):
        target_size(0, 10, 1568)


def test_supported_media_types_are_the_apis_four() -> None:
    assert {"image/jpeg", "image/png", "image/gif", "image/webp"} == SUPPORTED_MEDIA_TYPES


def test_token_estimate_counts_28px_patches_after_the_resize() -> None:
    assert estimate_tokens(200, 200, 1568) == 64  # 8 × 8 patches (padded up from 7.14)
    assert estimate_tokens(1000, 1000, 1568) == 36 * 36
    assert estimate_tokens(28, 28, 1568) == 1
    assert estimate_tokens(1, 1, 1568) == 1


def test_token_estimate_matches_the_documented_maximum_for_high_resolution_models() -> None:
    # api-facts §4: ≈4784 tokens at 2576 px; a 16:9 photo of 6000 × 3375 is 2576 × 1449.
    assert estimate_tokens(6000, 3375, 2576) == 4784
    assert estimate_tokens(12_000, 12_000, 2576) == 4784  # capped, as the API scales down


def test_token_estimate_is_capped_at_about_1568_on_standard_models() -> None:
    assert estimate_tokens(6000, 4000, 1568) == 1568
    assert estimate_tokens(1092, 1092, 1568) == 39 * 39  # the docs' ~1.19 MP example


def test_same_photo_costs_more_on_a_high_resolution_model() -> None:
    assert estimate_tokens(4000, 3000, 2576) > 2 * estimate_tokens(4000, 3000, 1568)


def test_patch_and_legacy_estimates_agree_closely() -> None:
    for size in [(1000, 750), (800, 800), (1092, 1092), (500, 300)]:
        patches, legacy = estimate_tokens(*size, 1568), estimate_tokens_legacy(*size, 1568)
        assert abs(patches - legacy) / legacy < 0.12, size


def test_a_small_request_is_fine() -> None:
    assert check_request([facts(), facts(media_type="image/png")], HAIKU) == []
    assert check_request([], HAIKU) == []


def test_five_megabytes_as_sent_is_the_per_image_limit() -> None:
    assert base64_size(MAX_IMAGE_BYTES) == MAX_IMAGE_BASE64_BYTES
    assert check_request([facts(size=MAX_IMAGE_BYTES)], OPUS) == []
    problems = check_request([facts(size=MAX_IMAGE_BYTES + 1, name="big.jpg")], OPUS)
    assert len(problems) == 1
    assert "“big.jpg”" in problems[0] and "5 MB" in problems[0]


def test_unsupported_media_type_is_refused() -> None:
    problems = check_request([facts(media_type="image/bmp", name="a.bmp")], OPUS)
    assert problems == ["“a.bmp”: Claude accepts only JPEG, PNG, GIF and WebP images."]


def test_8000_px_per_side() -> None:
    assert check_request([facts(8000, 8000)], OPUS) == []
    problems = check_request([facts(8001, 100, name="wide.png")], OPUS)
    assert problems == ["“wide.png”: an image may be at most 8000 px per side."]


def test_more_than_20_images_brings_the_2000_px_rule() -> None:
    twenty = [facts(2576, 1717) for _ in range(20)]
    assert check_request(twenty, OPUS) == []
    twenty_one = [*twenty, facts(2000, 1500)]
    problems = check_request(twenty_one, OPUS)
    assert len(problems) == 1
    assert "2000 px" in problems[0] and "21" in problems[0] and "and 17 more" in problems[0]
    assert check_request([facts(2000, 2000) for _ in range(21)], OPUS) == []


def test_request_long_edge_follows_the_2000_px_rule() -> None:
    assert request_long_edge(OPUS, 20) == 2576
    assert request_long_edge(OPUS, 21) == 2000
    assert request_long_edge(HAIKU, 1) == 1568
    assert request_long_edge(HAIKU, 50) == 1568


def test_image_count_limit_depends_on_the_context_window() -> None:
    assert max_images_per_request(HAIKU) == 100
    assert max_images_per_request(OPUS) == 600
    assert max_images_per_request(UNKNOWN) == 100  # unknown window: the safe limit
    hundred = [facts(200, 200, 1000) for _ in range(100)]
    assert check_request(hundred, HAIKU) == []
    problems = check_request([*hundred, facts(200, 200, 1000)], HAIKU)
    assert problems == [
        "This message would send 101 images; Claude Haiku 4.5 accepts at most 100 per "
        "request. Remove some, or start a new conversation."
    ]
    assert check_request([facts(200, 200, 1000) for _ in range(600)], OPUS) == []
    assert len(check_request([facts(200, 200, 1000) for _ in range(601)], OPUS)) == 1


def test_32_megabytes_per_request() -> None:
    nine = [facts(size=3_500_000) for _ in range(9)]  # 9 × 4.45 MiB as base64 = 40.1 MiB
    problems = check_request(nine, OPUS)
    assert len(problems) == 1
    assert "32 MB" in problems[0] and "40.1 MB" in problems[0]
    assert check_request(nine[:7], OPUS) == []  # 31.2 MiB as sent


def test_image_urls_are_recognised_by_scheme_and_suffix() -> None:
    from desktop.core.images import image_url, url_file_name, url_from_block, url_image_block

    assert image_url(" https://a.example/x/photo.JPEG ") == "https://a.example/x/photo.JPEG"
    assert image_url("http://a.example/p.webp?size=2") == "http://a.example/p.webp?size=2"
    for text in (
        "https://a.example/page",
        "https://a.example/photo.bmp",  # not a type the API accepts
        "file:///home/me/p.png",
        "ftp://a.example/p.png",
        "https://a.example/a.png https://a.example/b.png",
        "look at this.png",
        "https:///p.png",
        "",
    ):
        assert image_url(text) is None, text
    assert url_file_name("https://a.example/x/Red%20fox.jpg?w=1") == "Red fox.jpg"
    assert url_file_name("https://a.example/") == "a.example"
    block = url_image_block("https://a.example/p.png")
    assert block == {"type": "image", "source": {"type": "url", "url": "https://a.example/p.png"}}
    assert url_from_block(block) == "https://a.example/p.png"
    assert url_from_block({"type": "text", "text": "x"}) is None
