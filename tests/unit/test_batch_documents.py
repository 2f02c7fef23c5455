"""A batch's shared documents: the requests built (same prefix, breakpoints), inlining, the
256 MB limit counting the documents in every request, and the cached price (by hand)."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from desktop.core.batch_documents import cached_input, stored_documents_of
from desktop.core.batches import BatchInputError, BatchItem, build_requests, estimate, sendable
from desktop.core.caching import breakpoint_paths
from desktop.core.catalog import ModelSpec
from desktop.core.conversation import ConversationSettings
from desktop.core.documents import Document, stored_block

SPEC = ModelSpec(
    "claude-opus-4-8",
    "Opus",
    context_window=1_000_000,
    input_price=Decimal(5),
    output_price=Decimal(25),
    min_cacheable_tokens=1024,
)
PDF = Document("a.pdf", "pdf", "a" * 64, byte_size=9, tokens=3000, pages=2, tokens_exact=True)
NOTES = Document("notes.md", "text", "b" * 64, byte_size=5, tokens=800, tokens_exact=True)
BLOBS = {PDF.sha256: b"%PDF-1.7\n", NOTES.sha256: b"# Hi\n"}
ONE_HOUR = {"type": "ephemeral", "ttl": "1h"}


def settings(system: str = "Be brief.") -> ConversationSettings:
    made = ConversationSettings(model=SPEC.id)
    made.system_prompt = system
    return made


def items() -> list[BatchItem]:
    return [
        BatchItem("q1", "First?"),
        BatchItem("q2", "Second?"),
        BatchItem("q3", "", ({"role": "user", "content": "Third, as messages?"},)),
        BatchItem(
            "q4",
            "",
            (
                {"role": "assistant", "content": "Hello."},
                {"role": "user", "content": "Fourth?"},
            ),
        ),
    ]


def built() -> list[dict]:
    blocks = [stored_block(PDF), stored_block(NOTES)]
    return build_requests(items(), settings(), SPEC, blocks)


def test_every_request_opens_with_the_same_system_and_documents():
    requests = built()
    prefixes = set()
    for request in requests:
        params = request["params"]
        first = params["messages"][0]
        assert first["role"] == "user"
        assert [b["title"] for b in first["content"][:2]] == ["a.pdf", "notes.md"]
        prefix = [params["system"], first["content"][:2]]
        prefixes.add(json.dumps(prefix, ensure_ascii=False))
        # system and the last document; each request's own prompt is not marked
        assert breakpoint_paths(params) == ["system[0]", "messages[0].content[1]"]
        assert params["system"][0]["cache_control"] == ONE_HOUR
    assert len(prefixes) == 1
    assert requests[0]["params"]["messages"][0]["content"][2] == {"type": "text", "text": "First?"}
    third = requests[2]["params"]["messages"][0]["content"]
    assert third[2] == {"type": "text", "text": "Third, as messages?"}
    fourth = requests[3]["params"]["messages"]  # starts with the assistant: documents go first
    assert [m["role"] for m in fourth] == ["user", "assistant", "user"]
    assert len(fourth[0]["content"]) == 2


def test_without_documents_nothing_changes():
    plain = build_requests(items()[:1], settings(), SPEC)[0]["params"]
    assert plain["system"] == "Be brief." and breakpoint_paths(plain) == []
    assert plain["messages"] == [{"role": "user", "content": [{"type": "text", "text": "First?"}]}]


def test_stored_requests_name_blobs_and_sendable_inlines_them_once():
    requests = built()
    assert [b["source"]["type"] for b in stored_documents_of(requests[0]["params"])] == [
        "blob",
        "blob",
    ]
    reads: list[str] = []

    def read(sha256: str) -> bytes:
        reads.append(sha256)
        return BLOBS[sha256]

    sent = sendable(requests, read, limit=256 * 1024 * 1024)
    assert reads == [PDF.sha256, NOTES.sha256]  # each document read once for the whole batch
    pdf, notes = sent[0]["params"]["messages"][0]["content"][:2]
    assert pdf["source"] == {
        "type": "base64",
        "media_type": "application/pdf",
        "data": base64.b64encode(BLOBS[PDF.sha256]).decode(),
    }
    assert notes["source"] == {"type": "text", "media_type": "text/plain", "data": "# Hi\n"}
    assert notes["cache_control"] == ONE_HOUR and notes["title"] == "notes.md"
    assert all(r["params"]["messages"][0]["content"][0] is pdf for r in sent)
    assert requests[0]["params"]["messages"][0]["content"][0]["source"]["type"] == "blob"


def test_the_size_limit_counts_the_documents_in_every_request():
    big = Document("big.txt", "text", "c" * 64, byte_size=1000, tokens=250)
    requests = build_requests(items()[:2], settings(), SPEC, [stored_block(big)])
    one = len(json.dumps({"requests": requests}).encode())
    text = b"x" * 1000
    assert sendable(requests, lambda _sha: text, limit=one + 2 * 1000)
    with pytest.raises(BatchInputError, match="shared documents count in every request"):
        sendable(requests, lambda _sha: text, limit=one + 1000)  # the documents once: not enough


def test_cached_price_by_hand():
    # 10 requests of 2,000 document tokens + 100 own tokens; $5/MTok input, batch 50 %.
    cached = cached_input(10, 21_000, 2_000, SPEC)
    # best: 1,000 plain + 2,000 written at 2x + 18,000 read at 0.1x = 6,800 token-equivalents
    assert cached.best == Decimal("6800") * Decimal(5) / 1_000_000 / 2
    # worst: every request writes: 1,000 + 20,000 x 2 = 41,000
    assert cached.worst == Decimal("41000") * Decimal(5) / 1_000_000 / 2
    assert cached.note == ""
    whole = estimate(10, [2_100] * 3, SPEC, 100, prefix_tokens=2_000)
    assert whole.batch_input == Decimal("21000") * Decimal(5) / 1_000_000 / 2
    assert whole.cached == cached


def test_a_prefix_below_the_minimum_is_priced_plainly():
    cached = cached_input(10, 6_000, 500, SPEC)
    assert cached.best is None and cached.worst is None
    assert "Caching will not apply" in cached.note and "1,024" in cached.note


def test_documents_round_trip_as_stored_with_a_batch():
    assert Document.from_dict(PDF.to_dict()) == PDF
    assert Document.from_dict(json.loads(json.dumps(NOTES.to_dict()))) == NOTES
