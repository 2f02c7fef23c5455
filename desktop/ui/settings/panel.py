"""Per-conversation settings: model, system prompt, max output, thinking and effort; below
them the app-wide local tools (MCP servers) and the tool loop's limits. The panel scrolls."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.catalog import Catalog, ModelSpec
from desktop.core.conversation import ConversationSettings, ThinkingSettings
from desktop.ui.common.panels import SIDE_PANEL_MIN_WIDTH
from desktop.ui.settings.local_tools import LocalToolsSection, LocalToolsWiring
from desktop.ui.settings.tools_section import ToolsSection

DEFAULT_EFFORT_LABEL = "Model default"


class SettingsPanel(QWidget):
    """Edits a ConversationSettings; emits `settings_edited` with a new copy after each change."""

    settings_edited = Signal(object)

    def __init__(
        self,
        catalog: Catalog,
        parent: QWidget | None = None,
        *,
        local_tools: LocalToolsWiring | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settings_panel")
        self.catalog = catalog
        self._settings = ConversationSettings(model=catalog.default_model)
        self.scroll_area = _FittingScroll(self)
        content = QWidget(self.scroll_area)
        content.setObjectName("settings_content")
        self.system_prompt = QPlainTextEdit(content)
        self.system_prompt.setObjectName("system_prompt")
        self.system_prompt.setPlaceholderText("Optional instructions for this conversation")
        self._prompt_timer = QTimer(self, singleShot=True, interval=400)
        self._prompt_timer.timeout.connect(self._emit)
        self.system_prompt.textChanged.connect(self._prompt_timer.start)
        self.max_tokens = QSpinBox(content)
        self.max_tokens.setObjectName("max_tokens")
        self.max_tokens.setRange(1, 128_000)
        self.max_tokens.setSingleStep(1000)
        self.max_tokens.setGroupSeparatorShown(True)
        self.max_tokens.valueChanged.connect(self._emit)
        self.thinking = QCheckBox("Adaptive thinking", content)
        self.thinking.setObjectName("thinking_checkbox")
        self.thinking.toggled.connect(self._emit)
        self.effort = QComboBox(content)
        self.effort.setObjectName("effort_picker")
        self.effort.currentIndexChanged.connect(self._emit)
        self.summaries = QCheckBox("Show thinking summaries", content)
        self.summaries.setObjectName("summaries_checkbox")
        self.summaries.toggled.connect(self._emit)
        self.cache_ttl = QComboBox(content)
        self.cache_ttl.setObjectName("cache_ttl_picker")
        self.cache_ttl.setAccessibleName("How long documents stay cached")
        self.cache_ttl.addItem("5 minutes", "5m")
        self.cache_ttl.addItem("1 hour", "1h")
        self.cache_ttl.setToolTip(
            "Each use keeps the cache for this long. Writing costs 1.25× the input price for "
            "5 minutes and 2× for 1 hour; reads cost 0.1×. 5 minutes pays off from the 2nd "
            "request, 1 hour from the 3rd."
        )
        self.cache_ttl.currentIndexChanged.connect(self._emit)
        self.thinking_note = QLabel(content)
        self.thinking_note.setObjectName("thinking_note")
        self.thinking_note.setWordWrap(True)
        self.setMinimumWidth(SIDE_PANEL_MIN_WIDTH)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.addRow("System prompt", self.system_prompt)
        form.addRow("Max output tokens", self.max_tokens)
        form.addRow(self.thinking)
        form.addRow("Effort", self.effort)
        form.addRow(self.summaries)
        form.addRow(self.thinking_note)
        form.addRow("Keep documents cached for", self.cache_ttl)
        self.tools = ToolsSection(content)  # web search, fetch, code execution (tools_section.py)
        self.tools.changed.connect(self._emit)
        form.addRow(self.tools)
        self.local_tools = LocalToolsSection(local_tools, content)  # MCP servers (local_tools.py)
        layout = QVBoxLayout(content)
        heading = QLabel("Conversation settings", content)
        heading.setObjectName("panel_heading")
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.local_tools)
        layout.addStretch(1)
        self.scroll_area.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

    def set_local_tools(self, wiring: LocalToolsWiring) -> None:
        """The app's MCP servers are ready (after the first paint): the section shows them."""
        old = self.local_tools
        content = old.parentWidget()
        assert content is not None
        self.local_tools = LocalToolsSection(wiring, content)
        layout = content.layout()
        assert layout is not None
        layout.replaceWidget(old, self.local_tools)
        old.deleteLater()

    def show_settings(self, settings: ConversationSettings) -> None:
        self._settings = settings.copy()
        spec = self.catalog.get(settings.model)
        blockers = [
            QSignalBlocker(w)
            for w in (
                self.system_prompt,
                self.max_tokens,
                self.thinking,
                self.effort,
                self.summaries,
                self.cache_ttl,
            )
        ]
        if self.system_prompt.toPlainText() != settings.system_prompt:
            self.system_prompt.setPlainText(settings.system_prompt)
        self._prompt_timer.stop()
        self.max_tokens.setMaximum(spec.max_output or 128_000)
        self.max_tokens.setValue(min(settings.max_tokens, self.max_tokens.maximum()))
        always = spec.thinking == "always"
        self.thinking.setEnabled(spec.has_thinking and not always)
        self.thinking.setChecked(always or settings.thinking.enabled)
        self.effort.clear()
        self.effort.addItem(DEFAULT_EFFORT_LABEL, None)
        for level in spec.efforts:
            self.effort.addItem(level, level)
        index = self.effort.findData(settings.thinking.effort)
        self.effort.setCurrentIndex(max(0, index))
        self.effort.setEnabled(bool(spec.efforts) and self.thinking.isChecked())
        self.summaries.setChecked(settings.thinking.show_summaries)
        self.summaries.setEnabled(self.thinking.isChecked())
        self.thinking_note.setText(_thinking_note(spec))
        self.cache_ttl.setCurrentIndex(max(0, self.cache_ttl.findData(settings.cache_ttl)))
        self.tools.show_tools(settings.tools)
        del blockers

    def _emit(self) -> None:
        """Emit the edited settings, once per real change (a prompt typed and deleted again
        within the pause, or a control set back to its value, is no change)."""
        spec = self.catalog.get(self._settings.model)
        settings = self._edited(spec)
        self.effort.setEnabled(bool(spec.efforts) and settings.thinking.enabled)
        self.summaries.setEnabled(settings.thinking.enabled)
        if settings == self._settings:
            return
        self._settings = settings
        self.settings_edited.emit(settings.copy())

    def edited_settings(self) -> ConversationSettings:
        """The settings as the controls show them now (a prompt still being typed included)."""
        return self._edited(self.catalog.get(self._settings.model))

    def _edited(self, spec: ModelSpec) -> ConversationSettings:
        """The settings as the controls show them."""
        thinking = ThinkingSettings(
            enabled=self.thinking.isChecked() or spec.thinking == "always",
            effort=self.effort.currentData(),
            show_summaries=self.summaries.isChecked(),
        )
        return ConversationSettings(
            model=self._settings.model,
            system_prompt=self.system_prompt.toPlainText(),
            max_tokens=self.max_tokens.value(),
            thinking=thinking,
            cache_ttl=str(self.cache_ttl.currentData() or "5m"),
            tools=self.tools.edited(),
        )


def _thinking_note(spec: ModelSpec) -> str:
    if spec.thinking == "always":
        return f"{spec.display_name} always thinks; effort sets how much."
    if spec.thinking == "budget":
        return "This model uses a thinking budget of half the max output tokens."
    if spec.thinking == "none":
        return "This model does not think before answering."
    return ""


class _FittingScroll(QScrollArea):
    """Scrolls vertically only; asks for its content's whole size (a dialog shows it all, a
    side panel gets the window's height and scrolls)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("settings_scroll")
        self.setAccessibleName("Settings")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setAutoFillBackground(False)

    def sizeHint(self) -> QSize:
        content = self.widget()
        if content is None:
            return super().sizeHint()
        hint = content.sizeHint()
        return QSize(hint.width() + self.verticalScrollBar().sizeHint().width(), hint.height())
