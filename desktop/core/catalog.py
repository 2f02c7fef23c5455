"""The model catalog: ids, limits, prices and thinking rules, from resources/models.toml.

Pure data handling; reading the files is the caller's job (see `desktop.storage.paths`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

DEFAULT_IMAGE_LONG_EDGE = 1568


@dataclass(frozen=True, slots=True)
class RemoteModel:
    """A model as the account's models list reports it."""

    id: str
    display_name: str
    context_window: int | None = None
    max_output: int | None = None


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model. Prices are USD per million tokens; None means unknown."""

    id: str
    display_name: str
    context_window: int | None = None
    max_output: int | None = None
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    min_cacheable_tokens: int | None = None
    image_long_edge: int = DEFAULT_IMAGE_LONG_EDGE
    thinking: str = "adaptive"  # adaptive | always | budget | none
    efforts: tuple[str, ...] = ()
    from_account_only: bool = False  # listed by the API but not in models.toml
    web_search_price: Decimal | None = None  # USD per 1,000 web searches (server tool)

    @property
    def price_known(self) -> bool:
        return self.input_price is not None and self.output_price is not None

    @property
    def can_disable_thinking(self) -> bool:
        return self.thinking != "always"

    @property
    def has_thinking(self) -> bool:
        return self.thinking != "none"

    @property
    def label(self) -> str:
        return f"{self.display_name} — price unknown" if not self.price_known else self.display_name


class CatalogError(ValueError):
    """models.toml or a price override file could not be read."""


def _price(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        price = Decimal(str(value))
    except InvalidOperation as exc:
        raise CatalogError(f"{where}: {value!r} is not a price") from exc
    if price < 0:
        raise CatalogError(f"{where}: a price cannot be negative")
    return price


def _spec_from_entry(entry: dict[str, Any], search_price: Any = None) -> ModelSpec:
    model_id = str(entry["id"])
    return ModelSpec(
        id=model_id,
        display_name=str(entry.get("display_name") or model_id),
        context_window=entry.get("context_window"),
        max_output=entry.get("max_output"),
        input_price=_price(entry.get("input_price"), model_id),
        output_price=_price(entry.get("output_price"), model_id),
        min_cacheable_tokens=entry.get("min_cacheable_tokens"),
        image_long_edge=int(entry.get("image_long_edge") or DEFAULT_IMAGE_LONG_EDGE),
        thinking=str(entry.get("thinking") or "adaptive"),
        efforts=tuple(entry.get("efforts") or ()),
        web_search_price=_price(entry.get("web_search_price", search_price), model_id),
    )


class Catalog:
    """Models in display order, with the file's default first among equals."""

    def __init__(
        self, models: Iterable[ModelSpec], default_model: str, prices_date: str = ""
    ) -> None:
        self._models: dict[str, ModelSpec] = {m.id: m for m in models}
        self.default_model = default_model
        self.prices_date = prices_date

    @classmethod
    def from_toml(cls, text: str) -> Catalog:
        import tomllib  # ~13 ms to import: the app reads a cached parse at startup

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"models.toml is not valid: {exc}") from exc
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Catalog:
        """A catalog from models.toml's parsed content (as tomllib or a JSON cache gives it)."""
        try:
            search = data.get("web_search_price")  # per 1,000 searches, for every model
            models = [_spec_from_entry(entry, search) for entry in data.get("model", [])]
        except (KeyError, TypeError, AttributeError) as exc:
            raise CatalogError(f"models.toml is not valid: {exc}") from exc
        default = str(data.get("default_model") or (models[0].id if models else ""))
        return cls(models, default, str(data.get("prices_date", "")))

    def with_price_overrides(self, text: str) -> Catalog:
        """Apply a user's `prices.toml`: `[models."<id>"] input_price = "…" output_price = "…"`."""
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"prices.toml is not valid: {exc}") from exc
        models = dict(self._models)
        for model_id, entry in (data.get("models") or {}).items():
            base = models.get(model_id) or ModelSpec(id=model_id, display_name=model_id)
            models[model_id] = replace(
                base,
                input_price=_price(entry.get("input_price", base.input_price), model_id),
                output_price=_price(entry.get("output_price", base.output_price), model_id),
                web_search_price=_price(
                    entry.get("web_search_price", base.web_search_price), model_id
                ),
            )
        return Catalog(models.values(), self.default_model, self.prices_date)

    def with_account_models(self, remote: Iterable[RemoteModel]) -> Catalog:
        """Add models the account offers that the file does not know (marked price unknown)."""
        models = dict(self._models)
        for model in remote:
            if model.id in models:
                continue
            models[model.id] = ModelSpec(
                id=model.id,
                display_name=model.display_name or model.id,
                context_window=model.context_window,
                max_output=model.max_output,
                from_account_only=True,
            )
        return Catalog(models.values(), self.default_model, self.prices_date)

    def get(self, model_id: str) -> ModelSpec:
        """The spec of `model_id`; an unknown id gets a conservative spec with no price."""
        spec = self._models.get(model_id)
        if spec is None:
            return ModelSpec(id=model_id, display_name=model_id, from_account_only=True)
        return spec

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._models

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self._models.values())

    def __len__(self) -> int:
        return len(self._models)
