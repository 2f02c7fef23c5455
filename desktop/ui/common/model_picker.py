"""The model picker in the conversation header (and the batch form)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.core.catalog import Catalog, ModelSpec


class ModelPicker(QComboBox):
    """Lists the catalog's models; account-only models are marked "price unknown"."""

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("model_picker")
        self.setAccessibleName("Model")
        self.setMinimumContentsLength(22)
        self.set_catalog(catalog)

    def set_catalog(self, catalog: Catalog) -> None:
        current = self.current_model()
        with QSignalBlocker(self):
            self.clear()
            for spec in catalog:
                self.addItem(spec.label, spec.id)
                self.setItemData(self.count() - 1, _tooltip(spec), role=3)  # ToolTipRole
            if current:
                self.select_model(current)

    def current_model(self) -> str | None:
        data = self.currentData()
        return str(data) if data else None

    def select_model(self, model_id: str) -> None:
        index = self.findData(model_id)
        if index < 0:
            self.addItem(f"{model_id} — price unknown", model_id)
            index = self.count() - 1
        with QSignalBlocker(self):
            self.setCurrentIndex(index)


def _tooltip(spec: ModelSpec) -> str:
    lines = [spec.id]
    if spec.context_window:
        lines.append(f"Context window: {spec.context_window:,} tokens")
    if spec.max_output:
        lines.append(f"Max output: {spec.max_output:,} tokens")
    if spec.price_known:
        lines.append(f"${spec.input_price} in / ${spec.output_price} out per million tokens")
    else:
        lines.append("Price unknown")
    return "\n".join(lines)
