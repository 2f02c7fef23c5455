"""A fake Anthropic API on 127.0.0.1: Messages (JSON and SSE), count_tokens, models.

Usage::

    with FakeAnthropic() as api:
        api.enqueue(TextReply("Hello"), ErrorReply(429, "rate_limit_error", "Slow down", "30"))
        client = AsyncAnthropic(base_url=api.base_url, api_key="test")
        ...
        assert api.message_requests()[0]["model"] == "claude-opus-4-8"
"""

from __future__ import annotations

import contextlib
import itertools
import select
import socket
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from tests.fake_api.answers import default_reply
from tests.fake_api.batches import FakeBatches
from tests.fake_api.handler import Handler
from tests.fake_api.models import default_models
from tests.fake_api.prompt_cache import PromptCache
from tests.fake_api.script import Reply, TextReply
from tests.fake_api.sse import CHUNK_SIZES

__all__ = ["FakeAnthropic", "RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it. Header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    query: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must never wait for a client's idle keep-alive
    fake: FakeAnthropic

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):  # dropped clients are normal here
            super().handle_error(request, client_address)


class FakeAnthropic:
    """The fake server. `accepted_keys=None` accepts any non-empty API key.

    Attributes tests may change while it runs: `models` (GET /v1/models), `count_tokens_delay`
    (seconds), `default_delay` (seconds between events of default replies), `chunk_sizes`
    (cycled chunk sizes of streamed bodies), `log_requests` (print each request to stderr).
    `max_counts_in_flight` is the most count_tokens requests it was answering at once (a test
    may reset it to 0).
    """

    def __init__(self, accepted_keys: set[str] | None = None, *, port: int = 0) -> None:
        self.accepted_keys = accepted_keys
        self.models: list[dict[str, Any]] = default_models()
        self.count_tokens_delay = 0.0
        self.default_delay = 0.0
        self.chunk_sizes: tuple[int, ...] = CHUNK_SIZES
        self.log_requests = False
        self.prompt_cache = PromptCache()  # `.min_tokens`, `.clock` may be changed too
        self.batches = FakeBatches()  # Message Batches state and script (tests/fake_api/batches.py)
        self.batches.prompt_cache = self.prompt_cache
        self.counts_in_flight = 0
        self.max_counts_in_flight = 0
        self._counting: set[Any] = set()
        self.stopping = threading.Event()
        self._port = port
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._replies: deque[Reply] = deque()
        self._ids = itertools.count(1)
        self._connections: set[Any] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeAnthropic:
        """Listen on 127.0.0.1 (port chosen by the OS unless given) in a daemon thread."""
        if self._httpd is not None:
            return self
        self.stopping.clear()
        httpd = _Server(("127.0.0.1", self._port), Handler)
        httpd.fake = self
        self._httpd = httpd
        self.batches.base_url = self.base_url
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop at once: stalls end, open connections are cut, the port is released."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.stopping.set()
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            _cut(connection)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeAnthropic is not running")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- script and log ----------------------------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        """Replies for the next POST /v1/messages requests, in order."""
        with self._lock:
            self._replies.extend(replies)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (a copy)."""
        with self._lock:
            return list(self._requests)

    def message_requests(self) -> list[dict[str, Any]]:
        """Bodies of the POST /v1/messages requests, in order."""
        return [
            r.body or {} for r in self.requests if r.method == "POST" and r.path == "/v1/messages"
        ]

    def requested_tools(self) -> list[list[dict[str, Any]]]:
        """The `tools` list of each POST /v1/messages request, in order ([] for none)."""
        return [list(body.get("tools") or []) for body in self.message_requests()]

    @property
    def open_connections(self) -> int:
        """How many client connections are open right now."""
        with self._lock:
            return len(self._connections)

    def clear(self) -> None:
        """Forget recorded requests, queued replies and cached prefixes."""
        with self._lock:
            self._requests.clear()
            self._replies.clear()
        self.prompt_cache.clear()

    # -- used by the handler -----------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
        if self.log_requests:
            print(f"{request.method} {request.path}", file=sys.stderr, flush=True)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        """The next queued reply, else the default one (echo or `/fault ...`)."""
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        reply = default_reply(body)
        if isinstance(reply, TextReply) and not reply.delay:
            reply.delay = self.default_delay
        return reply

    def count_started(self, connection: Any) -> None:
        """A count request arrived. Requests whose client has already hung up (a superseded
        count the app cancelled) no longer count, even if their handler has not noticed yet."""
        with self._lock:
            self._counting = {c for c in self._counting if not _peer_closed(c)}
            self._counting.add(connection)
            self.counts_in_flight = len(self._counting)
            self.max_counts_in_flight = max(self.max_counts_in_flight, self.counts_in_flight)

    def count_ended(self, connection: Any) -> None:
        with self._lock:
            self._counting.discard(connection)
            self.counts_in_flight = len(self._counting)

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def track(self, connection: Any, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def key_accepted(self, key: str | None) -> bool:
        if not key:
            return False
        return self.accepted_keys is None or key in self.accepted_keys


def _peer_closed(connection: Any) -> bool:
    """True when the client has closed its end of `connection` (EOF is waiting)."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and not connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (OSError, ValueError):
        return True


def _cut(connection: Any) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
