"""The model catalog (models.toml, overrides, account models) and per-model request rules."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest

from desktop.core.catalog import Catalog, CatalogError, RemoteModel
from desktop.core.conversation import (
    ConversationSettings,
    Message,
    MessageStatus,
    Role,
    ThinkingSettings,
    text_block,
)
from desktop.core.requests import build_params

TOML = resources.files("desktop.resources").joinpath("models.toml").read_text()
SECTION3_MODELS = {
    "claude-fable-5": ("10.00", "50.00", 1_000_000, 128_000, 2048),
    "claude-mythos-5": ("10.00", "50.00", 1_000_000, 128_000, 2048),
    "claude-opus-4-8": ("5.00", "25.00", 1_000_000, 128_000, 4096),
    "claude-opus-4-7": ("5.00", "25.00", 1_000_000, 128_000, 4096),
    "claude-opus-4-6": ("5.00", "25.00", 1_000_000, 128_000, 4096),
    "claude-sonnet-5": ("3.00", "15.00", 1_000_000, 128_000, None),
    "claude-sonnet-4-6": ("3.00", "15.00", 1_000_000, 128_000, 2048),
    "claude-haiku-4-5": ("1.00", "5.00", 200_000, 64_000, 4096),
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_toml(TOML)


def test_models_toml_holds_every_current_model(catalog: Catalog) -> None:
    assert catalog.default_model == "claude-opus-4-8"
    for model_id, (p_in, p_out, context, output, min_cache) in SECTION3_MODELS.items():
        spec = catalog.get(model_id)
        assert spec.input_price == Decimal(p_in)
        assert spec.output_price == Decimal(p_out)
        assert spec.context_window == context
        assert spec.max_output == output
        if min_cache is not None:
            assert spec.min_cacheable_tokens == min_cache
    for model_id in ("claude-opus-4-8", "claude-opus-4-7", "claude-sonnet-5", "claude-fable-5"):
        assert catalog.get(model_id).image_long_edge == 2576
    assert catalog.get("claude-haiku-4-5").image_long_edge == 1568
    assert not catalog.get("claude-opus-4-5").price_known  # legacy: no price in the sources


def test_json_cache_gives_the_same_catalog(desk_home) -> None:
    from desktop.app import load_catalog
    from desktop.storage.paths import AppPaths

    paths = AppPaths.resolve().ensure()
    first, _ = load_catalog(paths)
    assert list(paths.cache_dir.glob("models-*.json"))
    second, _ = load_catalog(paths)  # from the cache
    assert [vars_of(s) for s in first] == [vars_of(s) for s in second]
    assert [vars_of(s) for s in first] == [vars_of(s) for s in Catalog.from_toml(TOML)]


def vars_of(spec: object) -> tuple:
    return tuple(getattr(spec, f) for f in spec.__dataclass_fields__)  # type: ignore[attr-defined]


def test_price_overrides_and_bad_files(catalog: Catalog) -> None:
    fixed = catalog.with_price_overrides('[models."claude-opus-4-5"]\ninput_price = "5"\n')
    assert fixed.get("claude-opus-4-5").input_price == Decimal(5)
    assert not fixed.get("claude-opus-4-5").price_known  # output still unknown
    with pytest.raises(CatalogError):
        catalog.with_price_overrides('[models."x"]\ninput_price = "cheap"\n')
    with pytest.raises(CatalogError):
        Catalog.from_toml("[[model]\n")


def test_account_models_are_added_without_a_price(catalog: Catalog) -> None:
    more = catalog.with_account_models(
        [
            RemoteModel("claude-new-9", "Claude New 9", 500_000, 64_000),
            RemoteModel("claude-opus-4-8", "x"),
        ]
    )
    assert more.get("claude-new-9").label == "Claude New 9 — price unknown"
    assert more.get("claude-opus-4-8").display_name == "Claude Opus 4.8"  # the file wins


def history(*texts: str) -> list[Message]:
    roles = [Role.USER, Role.ASSISTANT]
    return [Message(1, roles[i % 2], [text_block(t)]) for i, t in enumerate(texts)]


def settings(model: str, enabled: bool, effort: str | None = None) -> ConversationSettings:
    return ConversationSettings(model=model, thinking=ThinkingSettings(enabled, effort, True))


@pytest.mark.parametrize(
    ("model", "enabled", "effort", "thinking", "output_config"),
    [
        (
            "claude-opus-4-8",
            True,
            "xhigh",
            {"type": "adaptive", "display": "summarized"},
            {"effort": "xhigh"},
        ),
        ("claude-opus-4-8", False, "high", {"type": "disabled"}, None),
        ("claude-opus-4-6", True, "xhigh", {"type": "adaptive", "display": "summarized"}, None),
        ("claude-fable-5", False, None, {"type": "adaptive", "display": "summarized"}, None),
        (
            "claude-fable-5",
            True,
            "low",
            {"type": "adaptive", "display": "summarized"},
            {"effort": "low"},
        ),
        (
            "claude-haiku-4-5",
            True,
            "high",
            {"type": "enabled", "budget_tokens": 8000, "display": "summarized"},
            None,
        ),
    ],
)
def test_thinking_follows_each_models_rules(
    catalog, model, enabled, effort, thinking, output_config
):
    params = build_params(settings(model, enabled, effort), catalog.get(model), history("hi"))
    assert params["thinking"] == thinking
    assert params.get("output_config") == output_config
    assert not {"temperature", "top_p", "top_k"} & params.keys()


def test_history_rules(catalog: Catalog) -> None:
    turns = history("q1", "a1", "q2")
    turns[1].status = MessageStatus.FAILED
    params = build_params(ConversationSettings(), catalog.get("claude-opus-4-8"), turns)
    assert params["messages"] == [{"role": "user", "content": [text_block("q1"), text_block("q2")]}]
    long = ConversationSettings(max_tokens=500_000, system_prompt="Be brief.")
    params = build_params(long, catalog.get("claude-haiku-4-5"), history("q"))
    assert params["max_tokens"] == 64_000
    assert params["system"] == "Be brief."
