"""What an export or import does, off the UI thread: plain functions over the exchange port.

No Qt here; the feature (`desktop.ui.exchange.feature`) runs these with `asyncio.to_thread`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.claude_ai import is_claude_ai_export, parse_claude_ai
from desktop.core.conversation import ConversationSettings
from desktop.core.exchange import (
    ConversationSnapshot,
    ExchangeError,
    ImportBundle,
    ImportResult,
    export_dict,
    import_summary,
    is_desk_export,
    parse_export,
)
from desktop.core.markdown_export import markdown_export, unique_stems

if TYPE_CHECKING:
    from desktop.core.catalog import ModelSpec
    from desktop.core.ports import ConversationExchange

SpecFor = Callable[[str], "ModelSpec | None"]
MARKDOWN, JSON = "markdown", "json"  # as the feature names them


@dataclass(slots=True)
class ImportOutcome:
    bundle: ImportBundle
    result: ImportResult

    @property
    def summary(self) -> str:
        return import_summary(self.bundle, self.result)


def export_conversations(
    exchange: ConversationExchange,
    ids: list[int] | None,
    path: str,
    kind: str,
    spec_for: SpecFor,
    app: Callable[[], str],
) -> str:
    """Export the conversations `ids` (all when None) to `path`; returns what was written."""
    ids = exchange.conversation_ids() if ids is None else ids
    snapshots = [exchange.snapshot(i) for i in ids]
    if not snapshots:
        raise ExchangeError("There are no conversations to export yet.")
    now = time.time()
    missing = sum(len(s.missing_blobs) for s in snapshots)
    if kind == JSON:
        data = export_dict(snapshots, now, app())
        exchange.write_export(path, json.dumps(data, ensure_ascii=False) + "\n")
    elif len(snapshots) == 1:
        stem = Path(path).stem
        text, files = markdown_export(snapshots[0], stem, spec_for, now)
        exchange.write_export(path, text, files)
    else:
        _markdown_folder(exchange, snapshots, path, spec_for, now)
    count = len(snapshots)
    what = f"{count} conversation{'s' if count > 1 else ''}" if count > 1 else "the conversation"
    note = f" ({missing} attachments were missing from the history)" if missing else ""
    return f"Exported {what} to {path}{note}."


def _markdown_folder(
    exchange: ConversationExchange,
    snapshots: list[ConversationSnapshot],
    path: str,
    spec_for: SpecFor,
    now: float,
) -> None:
    """Many conversations as Markdown: a folder named after `path`, one .md file each."""
    folder = Path(path).with_suffix("")
    exchange.make_folder(str(folder))
    stems = unique_stems({n: s.conversation.title for n, s in enumerate(snapshots)})
    for n, snapshot in enumerate(snapshots):
        text, files = markdown_export(snapshot, stems[n], spec_for, now)
        exchange.write_export(str(folder / f"{stems[n]}.md"), text, files)


def import_file(
    exchange: ConversationExchange, path: str, settings: ConversationSettings
) -> ImportOutcome:
    """Read, check and import a Claude Desk or claude.ai export. Nothing is written unless
    the whole file reads; each conversation is then written whole or not at all."""
    text = exchange.read_text(path)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ExchangeError(
            f"This file is not valid JSON ({exc}), so it cannot be imported. Nothing was imported."
        ) from exc
    del text
    if is_desk_export(data):
        bundle = parse_export(data)
    elif is_claude_ai_export(data):
        bundle = parse_claude_ai(data, settings)
    else:
        raise ExchangeError(
            "This file is neither a Claude Desk export nor a claude.ai conversations.json. "
            "Nothing was imported."
        )
    if not bundle.conversations:
        raise ExchangeError("This file holds no conversations to import.")
    return ImportOutcome(bundle, exchange.import_bundle(bundle))
