"""The default models list: priced models from resources/models.toml plus one unknown id."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

MODELS_TOML = Path(__file__).resolve().parents[2] / "resources" / "models.toml"
EXTRA_MODEL_ID = "claude-experimental-9"


def model_info(
    model_id: str, display_name: str, max_input_tokens: int, max_tokens: int, day: int = 1
) -> dict[str, Any]:
    """A ModelInfo dict as `GET /v1/models` returns it."""
    return {
        "id": model_id,
        "type": "model",
        "display_name": display_name,
        "created_at": f"2026-06-{day:02d}T00:00:00Z",
        "max_input_tokens": max_input_tokens,
        "max_tokens": max_tokens,
        "lifecycle": "active",
    }


def default_models() -> list[dict[str, Any]]:
    """The catalog's priced (current) models, newest first, then `claude-experimental-9`."""
    with MODELS_TOML.open("rb") as file:
        entries = tomllib.load(file).get("model", [])
    current = [entry for entry in entries if entry.get("input_price")]
    models = [
        model_info(e["id"], e["display_name"], e["context_window"], e["max_output"], 28 - i)
        for i, e in enumerate(current)
    ]
    models.append(model_info(EXTRA_MODEL_ID, "Claude Experimental 9", 400_000, 32_000, 1))
    return models


def page(models: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    """One page of `models` for `limit`, `after_id` and `before_id` query parameters."""
    ids = [m["id"] for m in models]
    limit = max(1, min(1000, int(query.get("limit", "20"))))
    start, end = 0, len(models)
    if query.get("after_id") in ids:
        start = ids.index(query["after_id"]) + 1
    if query.get("before_id") in ids:
        end = ids.index(query["before_id"])
        start = max(start, end - limit)
    data = models[start:end][:limit]
    return {
        "data": data,
        "has_more": start + len(data) < end or (bool(query.get("before_id")) and start > 0),
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }
