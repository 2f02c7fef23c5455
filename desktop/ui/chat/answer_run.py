"""One streamed answer: stream events to the reducer, deltas to the view, saves to the store.

`ChatController` starts an `AnswerRun` per answer as a task of its registry and passes
`AnswerRun.finished` as the done-callback, so the answer is saved and reported however the
task ends (completed, failed, stopped). The run knows nothing of its starter: what it reports
goes through the `AnswerHooks` it is given.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from desktop.core import streaming
from desktop.core.caching import Ttl, place_breakpoints
from desktop.core.conversation import Message, MessageStatus, Usage
from desktop.core.errors import DeskError, Overloaded, RateLimited, TimedOut
from desktop.core.local_tools import LocalTool, ToolLimits, tool_param
from desktop.core.notices import stall_timeout_text
from desktop.core.requests import answer_turns, inline_blobs
from desktop.core.spend import add_usage

if TYPE_CHECKING:  # asyncio (~40 ms to import) loads after the window's first paint
    import asyncio

    from desktop.ui.chat.answer_hooks import AnswerHooks
    from desktop.ui.chat.local_tools import LocalToolAccess

log = logging.getLogger(__name__)

YIELD_EVERY = 0.0025  # seconds of stream processing before giving the event loop a turn
SAVE_EVERY = 1.0  # seconds between saves of a streaming answer
MAX_AUTO_RETRIES = 3
STALL_NOTICE_S = 30.0  # seconds without an event before the answer says it is waiting
STALL_TIMEOUT_S = 120.0  # seconds without an event before the request is ended (timed out)


class AnswerRun:
    """One streamed answer: events to the reducer, deltas to the view, saves to the store."""

    def __init__(
        self,
        hooks: AnswerHooks,
        message: Message,
        params: dict[str, Any],
        cache_ttl: str = "5m",
        local_tools: bool = False,
    ) -> None:
        """`params` without cache breakpoints (placed here, after the tools are known);
        `local_tools`: offer the user's MCP tools (a tool loop runs until the answer ends)."""
        self.hooks = hooks
        self.message = message
        self.params = params
        self.cache_ttl: Ttl = "1h" if cache_ttl == "1h" else "5m"
        self.local_tools = local_tools
        self.state = streaming.StreamState()
        self._rounds_done: list[dict[str, Any]] = []  # content of the finished tool rounds
        self._usage_done: Usage | None = None  # their usage, summed
        self.rounds = 0  # tool rounds run (requests after the first)
        self.state_container: dict[str, Any] | None = None  # a code container to reuse
        self._text: list[str] = []
        self._thinking: list[str] = []
        self._got_output = False
        self._flush_timer: asyncio.TimerHandle | None = None
        self._save_timer: asyncio.TimerHandle | None = None
        self._watch_timer: asyncio.TimerHandle | None = None
        self._heard = 0.0  # perf_counter() of the last event (or of the request's start)
        self._stalled = False  # the stall notice is shown
        self._timed_out = False
        self._task: asyncio.Task[Any] | None = None
        self._new_round = False  # the next text starts a new paragraph (after tool results)

    async def run(self) -> None:
        import asyncio

        self._task = asyncio.current_task()
        blobs = self.hooks.blobs
        if blobs is not None:
            self.params = await asyncio.to_thread(inline_blobs, self.params, blobs.get)
        local = self.hooks.local() if self.local_tools else None
        tools = await self._declare(local) if local is not None else {}
        self.params = place_breakpoints(self.params, self.cache_ttl)
        first_messages = list(self.params["messages"])
        max_rounds = (local.limits() if local is not None else ToolLimits()).max_rounds
        while True:
            await self._stream_with_retries()
            reason = self.state.stop_reason
            uses = [b for b in self.state.content() if b.get("type") == "tool_use"]
            if reason == "pause_turn" and self.rounds < max_rounds:
                self._close_round()  # a long server-tool turn: send it back to go on
            elif local is None or not tools or not uses or reason != "tool_use":
                return
            elif self.rounds >= max_rounds:
                return  # the notice for stop_reason "tool_use" says the limit was reached
            else:
                await self._run_tools(local, uses, tools)
            turns = answer_turns(self._rounds_done, paused=reason == "pause_turn")
            params = {**self.params, "messages": first_messages + turns}
            if container := (self.state_container or {}).get("id"):
                params["container"] = container  # the paused turn's code container
            self.params = place_breakpoints(params, self.cache_ttl)

    async def _declare(self, local: LocalToolAccess) -> dict[str, LocalTool]:
        """Start the user's MCP servers if needed and add their tools to the request."""
        assert self.message.id is not None
        if local.starting_needed():
            self.hooks.wait(self.message.id, "Starting local tools…", 0.0)
        tools = await local.declare()
        self.hooks.wait(self.message.id, "", 0.0)
        if tools:
            declared = [tool_param(tool) for tool in tools.values()]
            self.params = {**self.params, "tools": [*self.params.get("tools", []), *declared]}
        return tools

    async def _run_tools(
        self, local: LocalToolAccess, uses: list[dict[str, Any]], tools: dict[str, LocalTool]
    ) -> None:
        """Close this round and answer each of its tool calls, in order."""
        self._close_round()
        self._new_round = True  # its text starts a new paragraph, as `Message.text` joins it
        assert self.message.id is not None
        for use in uses:
            result = await local.run(self.message.id, use, tools)
            self._rounds_done.append(result)
            if self.hooks.tool is not None:
                self.hooks.tool(self.message.id, result)
            self._save_partial()

    def _close_round(self) -> None:
        """The round's content and usage join the answer's; the next request streams anew."""
        self._flush()
        self._fill_message()
        self._rounds_done = list(self.message.content)
        self._usage_done = self.message.usage
        self.state_container = self.state.container
        self.state = streaming.StreamState()
        self.rounds += 1

    async def _stream_with_retries(self) -> None:
        attempt = 0
        self._got_output = False
        while True:
            try:
                await self._stream_once()
                return
            except (RateLimited, Overloaded) as exc:
                attempt += 1
                if self._got_output or attempt > MAX_AUTO_RETRIES:
                    raise
                await self._wait_before_retry(exc, attempt)

    async def _wait_before_retry(self, exc: RateLimited | Overloaded, attempt: int) -> None:
        wait = exc.retry_after if exc.retry_after is not None else float(2**attempt)
        reason = f"{exc.title}. Retrying automatically (attempt {attempt} of {MAX_AUTO_RETRIES})."
        assert self.message.id is not None
        self.hooks.wait(self.message.id, reason, wait)
        import asyncio

        await asyncio.sleep(wait)
        self.hooks.wait(self.message.id, "", 0.0)

    async def _stream_once(self) -> None:
        import asyncio

        backend = await self.hooks.backend()
        loop = asyncio.get_running_loop()
        if self._save_timer is not None:
            self._save_timer.cancel()
        self._save_timer = loop.call_later(SAVE_EVERY, self._on_save_timer)
        apply = streaming.apply
        clock = time.perf_counter
        last_yield = self._heard = clock()
        self._watch(loop)
        try:
            async for event in backend.stream_message(self.params):
                self.state = apply(event, self.state)
                if event["type"] == "content_block_delta":
                    self._collect_delta(event["delta"], loop)
                elif event["type"] == "content_block_stop":
                    self._block_done(event.get("index", -1))
                now = self._heard = clock()
                if self._stalled:
                    self._on_heard_again(loop)
                if now - last_yield >= YIELD_EVERY:
                    # The SDK parses a whole network read without yielding: give the UI a turn.
                    await asyncio.sleep(0)
                    last_yield = clock()
        finally:
            self._stop_watch()
        self._flush()

    # -- the stall watch: one timer, armed for the next moment silence could matter ----------

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        limit = STALL_TIMEOUT_S if self._stalled else STALL_NOTICE_S
        delay = max(0.0, self._heard + limit - time.perf_counter())
        self._watch_timer = loop.call_later(delay, self._on_watch_timer, loop)

    def _on_watch_timer(self, loop: asyncio.AbstractEventLoop) -> None:
        silent = time.perf_counter() - self._heard
        if silent >= STALL_TIMEOUT_S:
            self._watch_timer = None
            self._timed_out = True
            if self._task is not None:
                self._task.cancel()  # ends the request as Stop does; `finished` says why
            return
        if silent >= STALL_NOTICE_S and not self._stalled:
            self._show_stall(STALL_NOTICE_S)
        self._watch(loop)

    def _on_heard_again(self, loop: asyncio.AbstractEventLoop) -> None:
        """Data after a stall: the notice goes, and the watch waits for the next silence."""
        self._show_stall(0.0)
        if self._watch_timer is not None:
            self._watch_timer.cancel()
        self._watch(loop)

    def _show_stall(self, seconds: float) -> None:
        """Say the answer has had no data for `seconds` (0: data again, the notice goes)."""
        self._stalled = seconds > 0
        assert self.message.id is not None
        self.hooks.stalled(self.message.id, seconds)

    def _stop_watch(self) -> None:
        if self._watch_timer is not None:
            self._watch_timer.cancel()
            self._watch_timer = None
        if self._stalled:
            self._show_stall(0.0)

    def _collect_delta(self, delta: dict[str, Any], loop: asyncio.AbstractEventLoop) -> None:
        kind = delta.get("type")
        if kind == "text_delta":
            if self._new_round:
                self._new_round = False
                if self.message.text:
                    self._text.append("\n\n")  # as `Message.text` joins the rounds
            self._text.append(delta["text"])
        elif kind == "thinking_delta":
            self._thinking.append(delta["thinking"])
        else:
            return
        self._got_output = True
        if self._flush_timer is None:
            self._flush_timer = loop.call_later(YIELD_EVERY, self._flush)

    def _block_done(self, index: int) -> None:
        """A server tool call or result is complete: show it (after the text before it)."""
        block = self.state.block_at(index)
        if block is None or block.type in ("text", "thinking") or self.hooks.tool is None:
            return
        self._flush()
        assert self.message.id is not None
        self.hooks.tool(self.message.id, block.to_block())

    def _flush(self) -> None:
        """Hand the deltas gathered since the last flush to the view, in one signal each."""
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        message_id = self.message.id
        assert message_id is not None
        if self._thinking:
            self.hooks.thinking(message_id, "".join(self._thinking))
            self._thinking.clear()
        if self._text:
            self.hooks.text(message_id, "".join(self._text))
            self._text.clear()

    def _on_save_timer(self) -> None:
        """Save the partial answer every second, also while the stream stalls."""
        import asyncio

        self._save_partial()
        loop = asyncio.get_running_loop()
        self._save_timer = loop.call_later(SAVE_EVERY, self._on_save_timer)

    def _save_partial(self) -> None:
        self._fill_message()
        self.hooks.save(self.message)

    def _fill_message(self) -> None:
        state = self.state
        self.message.content = [*self._rounds_done, *state.content()]
        self.message.stop_reason = state.stop_reason
        self.message.stop_details = state.stop_details
        done = self._usage_done
        self.message.usage = state.usage if done is None else add_usage(done, state.usage)
        self.message.usage.extra_requests = self.rounds  # each round was a request of its own
        if state.model:
            self.message.model = state.model

    def finished(self, task: asyncio.Task[Any]) -> None:
        """Done-callback: runs whether the task completed, failed, or was cancelled."""
        if self._save_timer is not None:
            self._save_timer.cancel()
        self._flush()
        self._fill_message()
        if task.cancelled() and self._timed_out:
            self.message.status = MessageStatus.FAILED
            self.message.error = _describe(TimedOut(stall_timeout_text(STALL_TIMEOUT_S)))
        elif task.cancelled():
            self.message.status = MessageStatus.STOPPED
        elif (exc := task.exception()) is not None:
            self.message.status = MessageStatus.FAILED
            self.message.error = _describe(exc)
        else:
            self.message.status = MessageStatus.COMPLETE
        self.hooks.done(self.message)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, DeskError):
        return f"{exc.title}: {exc.message}"
    log.error("unexpected error while streaming", exc_info=exc)
    return f"Unexpected error: {type(exc).__name__}: {exc}"
