"""The request handler of the fake server: routing, auth, writing JSON and chunked SSE."""

from __future__ import annotations

import json
import select
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tests.fake_api import models
from tests.fake_api.batches import PREFIX as BATCHES_PREFIX
from tests.fake_api.batches import RESULTS_PREFIX
from tests.fake_api.client_tools import UnansweredToolUse, check_tool_pairs
from tests.fake_api.estimate import input_tokens
from tests.fake_api.prompt_cache import TooManyBreakpoints, check_breakpoints
from tests.fake_api.render import (
    Context,
    Drop,
    Pause,
    Rendered,
    error_response,
    json_bytes,
    refused,
    render,
)
from tests.fake_api.sse import ChunkEncoder

if TYPE_CHECKING:
    from tests.fake_api.server import FakeAnthropic

_CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


class Handler(BaseHTTPRequestHandler):
    """Serves one connection (HTTP/1.1 keep-alive) until the client or `stop()` closes it."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # socket timeout: an idle or stuck client cannot hold a thread forever
    _request_id = "req_fake_000000"

    @property
    def fake(self) -> FakeAnthropic:
        return self.server.fake  # type: ignore[attr-defined, no-any-return]

    def setup(self) -> None:
        super().setup()
        self.fake.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.fake.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet; FakeAnthropic.log_requests prints requests instead

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- request -----------------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        from tests.fake_api.server import RecordedRequest

        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        raw = self._read_body()
        body, bad_json = _parse_json(raw)
        query = dict(parse_qsl(url.query))
        self.fake.record(RecordedRequest(method, url.path, headers, body, query))
        request_id = self._request_id = f"req_fake_{self.fake.next_id():06d}"
        counting = method == "POST" and url.path == "/v1/messages/count_tokens"
        if counting:
            self.fake.count_started(self.connection)
        try:
            self._send(self._route(method, url.path, query, headers, body, bad_json, request_id))
        except _CLIENT_GONE:
            self.close_connection = True
        finally:
            if counting:
                self.fake.count_ended(self.connection)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: dict[str, Any] | None,
        bad_json: bool,
        request_id: str,
    ) -> Rendered:
        if not self.fake.key_accepted(_api_key(headers)):
            return error_response(401, "authentication_error", "invalid x-api-key", request_id)
        if bad_json:
            return error_response(400, "invalid_request_error", "Invalid JSON body", request_id)
        if method == "POST" and path == "/v1/messages":
            return self._message(body or {}, request_id)
        if method == "POST" and path == "/v1/messages/count_tokens":
            return Rendered(
                body=json_bytes({"input_tokens": input_tokens(body or {})}),
                wait_first=self.fake.count_tokens_delay,
            )
        if method == "GET" and path == "/v1/models":
            return Rendered(body=json_bytes(models.page(self.fake.models, query)))
        if method == "GET" and path.startswith("/v1/models/"):
            return self._one_model(path.removeprefix("/v1/models/"), request_id)
        if path.startswith((BATCHES_PREFIX, RESULTS_PREFIX)):
            return self.fake.batches.route(method, path, query, body, request_id)
        return error_response(404, "not_found_error", f"Not found: {method} {path}", request_id)

    def _message(self, body: dict[str, Any], request_id: str) -> Rendered:
        """POST /v1/messages: the next scripted reply; only a reply that reaches the model
        reads and writes the prompt cache (a scripted error never does)."""
        try:
            check_breakpoints(body)
            check_tool_pairs(body)
        except (TooManyBreakpoints, UnansweredToolUse) as exc:
            return error_response(400, "invalid_request_error", str(exc), request_id)
        reply = self.fake.next_reply(body)
        cache = None
        if not refused(reply, bool(body.get("stream"))):
            cache = self.fake.prompt_cache.usage(body, input_tokens(body))
        return render(reply, Context(body, request_id, f"msg_fake_{request_id[-6:]}", cache))

    def _one_model(self, model_id: str, request_id: str) -> Rendered:
        for info in self.fake.models:
            if info["id"] == model_id:
                return Rendered(body=json_bytes(info))
        return error_response(404, "not_found_error", f"model: {model_id}", request_id)

    # -- response ----------------------------------------------------------------------------

    def _send(self, rendered: Rendered) -> None:
        if rendered.drop:
            self._abort(reset=False)
            return
        if rendered.wait_first and not self._wait(rendered.wait_first):
            self._abort(reset=False)
            return
        self.send_response(rendered.status)
        for name, value in rendered.headers.items():
            self.send_header(name, value)
        if rendered.body is not None:
            self._send_json(rendered.body)
        else:
            self._send_stream(rendered)

    def send_response(self, code: int, message: str | None = None) -> None:
        super().send_response(code, message)
        self.send_header("request-id", self._request_id)

    def _send_json(self, body: bytes) -> None:
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_stream(self, rendered: Rendered) -> None:
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        encoder = ChunkEncoder(self.fake.chunk_sizes)
        for step in rendered.steps:
            if isinstance(step, Drop):
                self._abort(step.reset)
                return
            if isinstance(step, Pause):
                if not self._wait(step.seconds):
                    self._abort(reset=False)
                    return
                continue
            self.wfile.write(encoder.encode(step))
        self.wfile.write(encoder.end())

    def _wait(self, seconds: float) -> bool:
        """Sleep `seconds`; False as soon as the server stops or the client hangs up."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                return False  # the client closed its end
            if self.fake.stopping.is_set():
                return False
            if readable:
                time.sleep(min(left, 0.05))  # a pipelined request waits its turn
        return not self.fake.stopping.is_set()

    def _abort(self, reset: bool) -> None:
        """Close the socket now: FIN (or RST with `reset`), no terminating chunk."""
        self.close_connection = True
        try:
            if reset:
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _api_key(headers: dict[str, str]) -> str | None:
    """The key from `x-api-key` or `Authorization: Bearer ...`."""
    if headers.get("x-api-key"):
        return headers["x-api-key"]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _parse_json(raw: bytes) -> tuple[dict[str, Any] | None, bool]:
    """(body, invalid): None for an empty body."""
    if not raw:
        return None, False
    try:
        value = json.loads(raw)
    except ValueError:
        return None, True
    return (value, False) if isinstance(value, dict) else (None, True)
