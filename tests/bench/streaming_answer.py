"""A long, realistic markdown answer cut into token-like deltas, for the streaming benchmark.

`long_markdown()` gives ~80 KB of what a long coding answer looks like: headings, paragraphs
with inline markup, bullet and numbered lists, a table, a quote, fenced code in several
languages and one ~300-line Python file. `token_deltas()` cuts it into exactly N deltas at
token-like boundaries (words with their leading space, punctuation, runs of newlines).
`sse_body()` is the fake server's own rendering of that reply, made once up front.
"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

from tests.fake_api.render import Context, stream_text
from tests.fake_api.script import TextReply

TARGET_CHARS = 80_000
DELTAS = 20_000


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_WORDS = _words(
    "the stream event loop widget render frame cache token block document layout paint "
    "request response buffer parser queue thread signal slot timer budget latency socket "
    "handler client server value state update delta chunk index cursor model message answer "
    "result error retry backoff window column row table list field record schema migration "
    "index query transaction commit config option default setting profile trace sample metric"
)
_VERBS = _words(
    "renders parses appends flushes returns keeps drops yields schedules measures caches "
    "splits merges checks builds reads writes sends closes opens moves updates"
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 14))]
    words.insert(rng.randint(1, len(words) - 1), rng.choice(_VERBS))
    markup = rng.random()
    if markup < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"`{words[i]}()`"
    elif markup < 0.35:
        i = rng.randrange(len(words) - 1)
        words[i : i + 2] = [f"**{words[i]} {words[i + 1]}**"]
    elif markup < 0.45:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    elif markup < 0.5:
        i = rng.randrange(len(words))
        words[i] = f"[{words[i]}](https://docs.example.com/{words[i]})"
    elif markup < 0.53:
        words.append("— naïve → résumé")  # some non-ASCII, as real answers have
    end = rng.choice(".....?!:")
    return " ".join(words).capitalize() + (end if end != ":" else ".")


def _paragraph(rng: random.Random, sentences: tuple[int, int] = (3, 6)) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(*sentences))) + "\n\n"


def _bullets(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(3, 6)):
        lines.append(f"- {_sentence(rng)}\n")
        if rng.random() < 0.3:
            lines.append(f"  - {_sentence(rng)}\n")
    return "".join(lines) + "\n"


def _numbered(rng: random.Random) -> str:
    return "".join(f"{i}. {_sentence(rng)}\n" for i in range(1, rng.randint(4, 7))) + "\n"


def _table(rng: random.Random) -> str:
    rows = [
        f"| `{rng.choice(_WORDS)}_{i}` | {rng.randint(1, 999)} ms | {rng.choice(_VERBS)} the "
        f"{rng.choice(_WORDS)} | {'yes' if rng.random() < 0.5 else 'no'} |\n"
        for i in range(8)
    ]
    return "| Step | Time | What it does | Cached |\n|---|--:|---|:-:|\n" + "".join(rows) + "\n"


_SNIPPETS = {
    "python": '''import asyncio
from dataclasses import dataclass


@dataclass
class Job:
    name: str
    retries: int = 3


async def run_{n}(job: Job) -> str:
    """Run `job`, retrying with exponential backoff."""
    for attempt in range(job.retries):
        try:
            return await fetch(job.name, timeout=2.5 * (attempt + 1))
        except TimeoutError:
            await asyncio.sleep(2 ** attempt)
    raise RuntimeError(f"{{job.name}} failed after {{job.retries}} tries")
''',
    "javascript": """export async function loadItems{n}(url, {{ signal }} = {{}}) {{
  const response = await fetch(url, {{ signal, headers: {{ Accept: "application/json" }} }});
  if (!response.ok) {{
    throw new Error(`HTTP ${{response.status}}: ${{await response.text()}}`);
  }}
  const items = await response.json();
  return items
    .filter((item) => item.visible && item.score > 0.5)
    .map(({{ id, title }}) => ({{ id, title: title.trim() }}));
}}
""",
    "typescript": """interface Entry{n} {{
  id: number;
  label: string;
  tags?: string[];
}}

export function groupByTag(entries: Entry{n}[]): Map<string, Entry{n}[]> {{
  const groups = new Map<string, Entry{n}[]>();
  for (const entry of entries) {{
    for (const tag of entry.tags ?? ["untagged"]) {{
      const list = groups.get(tag) ?? [];
      list.push(entry);
      groups.set(tag, list);
    }}
  }}
  return groups;
}}
""",
    "rust": """use std::collections::HashMap;

pub fn word_counts_{n}(text: &str) -> HashMap<String, usize> {{
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {{
        let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if !word.is_empty() {{
            *counts.entry(word).or_insert(0) += 1;
        }}
    }}
    counts
}}
""",
    "go": """func worker{n}(ctx context.Context, jobs <-chan Job, results chan<- Result) error {{
\tfor {{
\t\tselect {{
\t\tcase <-ctx.Done():
\t\t\treturn ctx.Err()
\t\tcase job, ok := <-jobs:
\t\t\tif !ok {{
\t\t\t\treturn nil
\t\t\t}}
\t\t\tresults <- process(job)
\t\t}}
\t}}
}}
""",
    "bash": """#!/usr/bin/env bash
set -euo pipefail
for file in "${{@:-.}}"/*.log; do
  if [[ -s "$file" ]]; then
    gzip -9 --keep "$file" && echo "compressed $file ({n})"
  fi
done
""",
    "sql": """SELECT c.id, c.title, COUNT(m.id) AS messages, MAX(m.created_at) AS last_seen
FROM conversations AS c
JOIN messages AS m ON m.conversation_id = c.id
WHERE m.created_at > datetime('now', '-{n} days')
GROUP BY c.id
HAVING COUNT(m.id) > 2
ORDER BY last_seen DESC
LIMIT 50;
""",
    "json": """{{
  "name": "stream-bench-{n}",
  "version": "1.{n}.0",
  "settings": {{ "flush_ms": 33, "budget_ms": 2.5, "languages": ["python", "rust", "go"] }},
  "enabled": true
}}
""",
}


def _code(rng: random.Random, lang: str, n: int) -> str:
    return f"```{lang}\n{_SNIPPETS[lang].format(n=n)}```\n\n"


def _long_python(lines: int = 300) -> str:
    """A ~300-line Python module (one fence), varied like real code."""
    out = [
        '"""Incremental rendering of a growing document, one closed block at a time."""',
        "",
        "from __future__ import annotations",
        "",
        "import time",
        "from collections import deque",
        "from dataclasses import dataclass, field",
        "",
        "",
    ]
    n = 0
    while len(out) < lines - 2:
        n += 1
        out += [
            "@dataclass",
            f"class Stage{n}:",
            f'    """Stage {n} of the pipeline: buffers items and emits them in batches."""',
            "",
            "    limit: int = 64",
            "    items: deque[str] = field(default_factory=deque)",
            "    emitted: int = 0",
            "",
            "    def push(self, item: str) -> list[str] | None:",
            "        self.items.append(item)",
            "        if len(self.items) < self.limit:",
            "            return None",
            "        batch = [self.items.popleft() for _ in range(self.limit)]",
            "        self.emitted += len(batch)",
            "        return batch",
            "",
            f"    def drain(self, budget_s: float = 0.0025 * {n}) -> list[str]:",
            "        deadline = time.perf_counter() + budget_s",
            "        out: list[str] = []",
            "        while self.items and time.perf_counter() < deadline:",
            "            out.append(self.items.popleft())  # keep each frame short",
            "        return out",
            "",
            "",
            f"def run_stage_{n}(texts: list[str], limit: int = {8 * n}) -> int:",
            f"    stage = Stage{n}(limit=limit)",
            "    total = 0",
            "    for text in texts:",
            "        if (batch := stage.push(text.strip())) is not None:",
            "            total += sum(len(item) for item in batch)",
            "    return total + sum(len(item) for item in stage.drain())",
            "",
            "",
        ]
    out = [*out[: lines - 3], "", 'if __name__ == "__main__":', '    print(run_stage_1(["a"]))']
    return "```python\n" + "\n".join(out) + "\n```\n\n"


def long_markdown(target_chars: int = TARGET_CHARS, seed: int = 11) -> str:
    """About `target_chars` of markdown shaped like a long coding answer."""
    rng = random.Random(seed)
    langs = list(_SNIPPETS)
    parts = ["# Streaming large answers without dropping frames\n\n", _paragraph(rng)]
    size = sum(map(len, parts))
    section = 0
    while size < target_chars:
        section += 1
        chunk = [f"## {section}. {_sentence(rng).rstrip('.?!')}\n\n", _paragraph(rng)]
        chunk.append(_bullets(rng) if section % 2 else _numbered(rng))
        chunk.append(_code(rng, langs[section % len(langs)], section))
        if section % 3 == 0:
            chunk += [f"### Details {section}\n\n", _paragraph(rng, (2, 4))]
        if section == 3:
            chunk.append(_table(rng))
        if section == 5:
            chunk += ["> " + _sentence(rng) + "\n> " + _sentence(rng) + "\n\n"]
        if section == 6:
            chunk += [_paragraph(rng, (1, 2)), _long_python(300), _paragraph(rng, (2, 3))]
        chunk.append(_paragraph(rng, (2, 5)))
        parts += chunk
        size += sum(map(len, chunk))
    parts.append("That covers it: **render closed blocks once**, and keep the tail small.\n")
    return "".join(parts)


_TOKEN = re.compile(r" ?[A-Za-z0-9_]+| ?[^\sA-Za-z0-9_]|\n+|[ \t]+|\s")


def token_deltas(text: str, count: int = DELTAS, seed: int = 5) -> list[str]:
    """`text` in exactly `count` pieces, cut at token-like boundaries where possible."""
    bounds, pos = [], 0
    for match in _TOKEN.finditer(text):
        assert match.start() == pos, "the token pattern must cover the text"
        pos = match.end()
        bounds.append(pos)
    assert pos == len(text)
    cuts = set(bounds[:-1])
    rng = random.Random(seed)
    if len(cuts) > count - 1:  # too many tokens: join some neighbours (like multi-word tokens)
        cuts = set(rng.sample(sorted(cuts), count - 1))
    else:  # too few: split some longer tokens too
        free = [i for i in range(1, len(text)) if i not in cuts]
        cuts |= set(rng.sample(free, count - 1 - len(cuts)))
    edges = [0, *sorted(cuts), len(text)]
    deltas = [text[a:b] for a, b in itertools.pairwise(edges)]
    assert len(deltas) == count and "".join(deltas) == text
    return deltas


def sse_body(deltas: list[str], path: Path) -> Path:
    """The fake server's SSE body for `TextReply.many_deltas(deltas)`, written to `path`.

    Rendering 20 k events takes the fake server ~50 ms of pure Python; done per request in
    its thread, that would hold this process's GIL inside the measured time. Replaying the
    pre-rendered bytes (`SseFile`) serves exactly the same stream at full speed.
    """
    reply = TextReply.many_deltas(deltas)
    body = {"model": "claude-opus-4-8", "messages": [{"role": "user", "content": "x"}]}
    steps = stream_text(reply, Context(body, "req_fake_bench", "msg_fake_bench"))
    assert len(steps) == 1 and isinstance(steps[0], bytes)  # full speed: one joined write
    path.write_bytes(steps[0])
    return path
