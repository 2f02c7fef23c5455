"""The "New batch" form: prompts (pasted, imported or queued from the chat), shared settings,
the pre-submit summary, and Submit.

Parsing, validation and file reading run in a worker thread; the summary (request count,
a sample's input tokens from the count endpoint, batch vs interactive price) follows each
edit after a short pause. A refused import shows its problems with line numbers and changes
nothing already loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.batch_summary import summary_text
from desktop.core.batches import (
    BatchEstimate,
    BatchInputError,
    BatchItem,
    csv_columns,
    merge,
    parse_csv,
    parse_jsonl,
    parse_lines,
)
from desktop.core.catalog import ModelSpec
from desktop.core.conversation import ConversationSettings
from desktop.core.documents import Document, check_documents
from desktop.ui.batches.controller import BatchesController, batch_title
from desktop.ui.batches.documents import BatchDocuments
from desktop.ui.common.drops import FileDropTarget
from desktop.ui.common.model_picker import ModelPicker
from desktop.ui.documents.model import ContextDocuments

IMPORT_FILTER = "Prompts (*.csv *.jsonl *.txt);;All files (*)"
PAUSE_MS = 400


def _named(widget: Any, name: str, accessible: str) -> Any:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


def read_items(path: str, column: str | None) -> tuple[list[BatchItem], list[str], str | None]:
    """(items, CSV columns, chosen column) from a file: JSONL, CSV or one prompt per line."""
    text = Path(path).read_text(encoding="utf-8-sig")
    suffix = Path(path).suffix.lower()
    if suffix == ".jsonl":
        return parse_jsonl(text), [], None
    if suffix == ".csv":
        columns = csv_columns(text)
        chosen = column or next((c for c in columns if c.lower() == "prompt"), None)
        chosen = chosen or (columns[0] if columns else "")
        id_column = "custom_id" if "custom_id" in columns and chosen != "custom_id" else None
        return parse_csv(text, chosen, id_column), columns, chosen
    return parse_lines(text), [], None


class BatchForm(FileDropTarget, QWidget):
    """Dropped files (on the form or its text boxes) become shared documents; prompts come
    with “Import CSV / JSONL…”."""

    submitted = Signal()  # a batch was sent (the view shows the list)
    files_dropped = Signal(object)  # list[str] of paths dropped (object: names not UTF-8 kept)

    def __init__(
        self,
        controller: BatchesController,
        settings: ConversationSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("batch_form")
        self.controller = controller
        self.loaded: list[BatchItem] = []
        self._csv_path: str | None = None
        self._before_csv: list[BatchItem] = []  # what was loaded before the CSV now shown
        self._items: list[BatchItem] = []
        self._sending = False  # this form's Submit is on its way
        self.documents: ContextDocuments | None = None
        self.documents_box: BatchDocuments | None = None
        self._timer = QTimer(self, singleShot=True, interval=PAUSE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._build(settings)
        self._connect()

    def _build(self, settings: ConversationSettings) -> None:
        column = QVBoxLayout(self)
        column.addWidget(QLabel("Prompts, one per line — or import a CSV column or JSONL:"))
        self.prompts = _named(QPlainTextEdit(self), "batch_prompts", "Batch prompts")
        self.prompts.setPlaceholderText("Summarise: …\nTranslate into French: …")
        column.addWidget(self.prompts, 2)
        column.addLayout(self._build_import_row())
        form = QFormLayout()
        self.model_picker = ModelPicker(self.controller.catalog, self)
        _named(self.model_picker, "batch_model_picker", "Batch model")
        self.model_picker.select_model(settings.model)
        self.system_prompt = _named(QPlainTextEdit(self), "batch_system_prompt", "System prompt")
        self.system_prompt.setPlainText(settings.system_prompt)
        self.system_prompt.setMaximumHeight(70)
        self.max_tokens = _named(QSpinBox(self), "batch_max_tokens", "Max output tokens")
        self.max_tokens.setRange(1, 128_000)
        self.max_tokens.setValue(min(settings.max_tokens, 4096))
        self.thinking = _named(QCheckBox("Thinking", self), "batch_thinking", "Thinking")
        form.addRow("Model", self.model_picker)
        form.addRow("Shared system prompt", self.system_prompt)
        if self.controller.blobs is not None and self.controller.preparer is not None:
            self.documents = ContextDocuments(
                None,
                self.controller.blobs,
                self.controller.preparer,
                self.controller.tasks,
                self._spec,
                self.controller.token_counter,
                self,
            )
            self.documents_box = BatchDocuments(self.documents, self)
            form.addRow("Shared documents", self.documents_box)
            self.setAcceptDrops(True)
            self.take_drops_on(self.prompts.viewport(), self.system_prompt.viewport())
        form.addRow("Max output tokens", self.max_tokens)
        form.addRow("", self.thinking)
        column.addLayout(form)
        self.problems = _named(QLabel(self), "batch_problems", "Problems with the prompts")
        self.problems.setWordWrap(True)
        self.problems.setProperty("tone", "error")  # coloured by the theme's stylesheet
        self.summary = _named(QLabel(self), "batch_summary", "Batch summary")
        self.summary.setWordWrap(True)
        column.addWidget(self.problems)
        column.addWidget(self.summary)
        self.submit_button = _named(
            QPushButton("Submit batch", self), "batch_submit_button", "Submit batch"
        )
        self.submit_button.setEnabled(False)
        column.addWidget(self.submit_button)

    def _build_import_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.import_button = _named(
            QPushButton("Import CSV / JSONL…", self), "batch_import_button", "Import prompts"
        )
        self.csv_column = _named(QComboBox(self), "batch_csv_column", "CSV column")
        self.csv_column.setVisible(False)
        self.loaded_label = _named(QLabel(self), "batch_loaded", "Imported prompts")
        self.clear_button = _named(
            QPushButton("Clear imported", self), "batch_clear_button", "Clear imported prompts"
        )
        self.clear_button.setVisible(False)
        row.addWidget(self.import_button)
        row.addWidget(self.csv_column)
        row.addWidget(self.loaded_label, 1)
        row.addWidget(self.clear_button)
        return row

    def _connect(self) -> None:
        self.prompts.textChanged.connect(self._on_edited)
        self.system_prompt.textChanged.connect(self._on_edited)
        self.max_tokens.valueChanged.connect(self._on_edited)
        self.thinking.toggled.connect(self._on_edited)
        self.model_picker.currentIndexChanged.connect(self._on_edited)
        if self.documents is not None:
            self.documents.changed.connect(self._on_edited)
            self.model_picker.currentIndexChanged.connect(self._on_model_picker_changed)
            self.files_dropped.connect(self.add_documents)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.csv_column.textActivated.connect(self._on_csv_column_activated)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        self.submit_button.clicked.connect(self._on_submit_button_clicked)
        self.controller.estimate_ready.connect(self._on_controller_estimate_ready)
        self.controller.batch_submitted.connect(self._on_controller_batch_submitted)
        self.controller.failed.connect(self._on_controller_failed)

    def stop(self) -> None:
        """No more pending checks (the window is going away)."""
        self._timer.stop()

    # -- input -------------------------------------------------------------------------------

    def settings(self) -> ConversationSettings:
        settings = ConversationSettings()
        settings.model = self.model_picker.current_model() or settings.model
        settings.system_prompt = self.system_prompt.toPlainText()
        settings.max_tokens = self.max_tokens.value()
        settings.thinking.enabled = self.thinking.isChecked()
        return settings

    def _spec(self) -> ModelSpec:
        return self.controller.catalog.get(self.settings().model)

    def shared_documents(self) -> list[Document]:
        return [] if self.documents is None else self.documents.documents()

    def add_documents(self, paths: list[str]) -> None:
        """Read and check `paths` as shared documents (as a drop or the picker does)."""
        if self.documents_box is not None:
            self.documents_box.add_files(paths)

    def _on_model_picker_changed(self, _index: int) -> None:
        if self.documents is not None:
            self.documents.recount()

    def queue_text(self, text: str) -> None:
        """Add one prompt (the chat composer's text, newlines kept)."""
        if text.strip():
            self._set_loaded(
                merge(self.loaded, [BatchItem("request-00001", text.strip())]), "the chat"
            )

    def import_file(
        self, path: str, column: str | None = None, base: list[BatchItem] | None = None
    ) -> None:
        """Add the prompts of `path` to `base` (what is loaded now, when None)."""
        self.problems.setText("Reading " + Path(path).name + "…")
        before = list(self.loaded if base is None else base)
        self.controller.tasks.start("batch-import", self._import(path, column, before))

    async def _import(self, path: str, column: str | None, before: list[BatchItem]) -> None:
        import asyncio

        try:
            items, columns, chosen = await asyncio.to_thread(read_items, path, column)
            items = await asyncio.to_thread(merge, before, items)
        except BatchInputError as error:
            self.problems.setText(f"{Path(path).name} was not imported:\n{error}")
            return
        except (OSError, UnicodeDecodeError) as error:
            self.problems.setText(f"{Path(path).name} could not be read: {error}")
            return
        self._before_csv = before
        self._show_columns(path, columns, chosen)
        self._set_loaded(items, Path(path).name)

    def _show_columns(self, path: str, columns: list[str], chosen: str | None) -> None:
        self._csv_path = path if columns else None
        self.csv_column.clear()
        self.csv_column.addItems(columns)
        if chosen:
            self.csv_column.setCurrentText(chosen)
        self.csv_column.setVisible(bool(columns))

    def _set_loaded(self, items: list[BatchItem], source: str) -> None:
        self.loaded = items
        self.loaded_label.setText(
            f"{len(items):,} prompts imported (last from {source})" if items else ""
        )
        self.clear_button.setVisible(bool(items))
        self._on_edited()

    # -- validation and summary -------------------------------------------------------------

    def _on_edited(self, *_args: object) -> None:
        self.submit_button.setEnabled(False)
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        self.controller.tasks.start("batch-validate", self._validate())

    async def _validate(self) -> None:
        import asyncio

        text = self.prompts.toPlainText()
        try:
            self._items = await asyncio.to_thread(_collect, self.loaded, text)
        except BatchInputError as error:
            self._items = []
            self.problems.setText(str(error) if text.strip() or self.loaded else "")
            self.summary.setText("")
            return
        if self.documents is not None and self.documents.preparing:
            self.problems.setText("")
            self.summary.setText("Reading the shared documents…")
            return  # their `changed` validates again
        documents = self.shared_documents()
        problems = check_documents(documents, self._spec())
        self.problems.setText("\n".join(problems))
        if problems:
            self.summary.setText("")
            return
        self.summary.setText(f"{len(self._items):,} requests — counting a sample's tokens…")
        self.submit_button.setEnabled(True)
        self.controller.estimate(self._items, self.settings(), documents)

    def _on_controller_estimate_ready(self, estimate: BatchEstimate) -> None:
        self.summary.setText(summary_text(estimate, self.model_picker.currentText()))

    def _on_controller_failed(self, message: str) -> None:
        self._sending = False
        self.problems.setText(message)

    # -- actions -----------------------------------------------------------------------------

    def _on_import_button_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Import prompts", "", IMPORT_FILTER)
        if path:
            self.import_file(path)

    def _on_csv_column_activated(self, column: str) -> None:
        if self._csv_path:  # the other column replaces this CSV's prompts, nothing else
            self.import_file(self._csv_path, column, base=self._before_csv)

    def _on_clear_button_clicked(self) -> None:
        self.csv_column.setVisible(False)
        self._csv_path = None
        self._set_loaded([], "")

    def _on_submit_button_clicked(self) -> None:
        if not self._items:
            return
        self.submit_button.setEnabled(False)
        self._sending = True
        self.problems.setText("")
        self.summary.setText(f"Sending {len(self._items):,} requests…")
        title = batch_title(self._items)
        self.controller.submit(self._items, self.settings(), title, self.shared_documents())

    def _on_controller_batch_submitted(self, _record: object) -> None:
        if not self._sending:
            return  # a retry from the Batches tab: what is being prepared here stays
        self._sending = False
        self.prompts.clear()
        if self.documents_box is not None:
            self.documents_box.clear()
        self._on_clear_button_clicked()
        self.summary.setText("")
        self.submitted.emit()


def _collect(loaded: list[BatchItem], text: str) -> list[BatchItem]:
    typed = parse_lines(text) if text.strip() else []
    return merge(loaded, typed)
