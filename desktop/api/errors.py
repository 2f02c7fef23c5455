"""SDK and transport exceptions as the app's own error kinds, with messages people can act on.

The SDK is imported inside functions only: importing this module must stay cheap.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from desktop.core import errors as core

if TYPE_CHECKING:
    from anthropic import APIStatusError

log = logging.getLogger(__name__)

BROKEN_WHILE_ANSWERING = (
    "The connection broke while Claude was answering; the text so far is kept. "
    "Check your internet connection and try again."
)
UNREADABLE = "The Claude API sent a reply the app could not read."
UNREADABLE_WHILE_ANSWERING = (
    "The Claude API sent part of the answer in a form the app could not read, so the answer "
    "stopped there; the text so far is kept. Try again."
)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, else `retry-after` (seconds or an HTTP date)."""
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None and millis >= 0:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def to_desk_error(error: BaseException, model: str | None = None) -> core.DeskError:
    """The core error for any exception raised while talking to the API.

    `model` is the model a Messages request (or token count) asked for: a 404 then means that
    model is not available. Without it, a 404 is a plain `NotFound` with the API's message
    (an unknown batch, say). Exceptions that are not about the API (programming errors) come
    back as a plain `DeskError` carrying their text, so the UI can still show something.
    """
    import anthropic
    import httpx2

    if isinstance(error, core.DeskError):
        return error
    if isinstance(error, anthropic.APIStatusError):
        return _from_status(error, model)
    if isinstance(error, anthropic.APITimeoutError | httpx2.TimeoutException):
        return core.TimedOut(
            "The Claude API did not answer in time. Try again; if it keeps happening, check "
            "your connection."
        )
    if isinstance(error, anthropic.APIConnectionError):
        return core.Offline(
            "Could not reach the Claude API. Check your internet connection (and any proxy), "
            "then try again."
        )
    if isinstance(error, httpx2.TransportError):
        return core.Offline(
            "The connection to the Claude API was lost while the answer was arriving. "
            "Check your internet connection and try again."
        )
    if isinstance(error, anthropic.APIResponseValidationError | ValueError):
        log.warning("unreadable reply from the Claude API: %r", error)  # details: the log only
        return core.ServerError(UNREADABLE)
    log.warning("unexpected problem talking to the Claude API: %r", error)
    return core.DeskError(f"Unexpected problem talking to the Claude API: {error}")


def mid_stream_error(error: BaseException, model: str | None, text_arrived: bool) -> core.DeskError:
    """The core error for an exception raised while an answer was arriving.

    Once text has arrived, a lost connection or an unreadable event says so and that the text
    is kept (not "could not reach"); the parser's own words (a `JSONDecodeError`, say) go to
    the log only.
    """
    desk = to_desk_error(error, model)
    if not text_arrived:
        return desk
    if isinstance(desk, core.Offline):
        return core.Offline(BROKEN_WHILE_ANSWERING)
    if isinstance(error, ValueError) and desk.message == UNREADABLE:
        return core.ServerError(UNREADABLE_WHILE_ANSWERING)
    return desk


def _from_status(error: APIStatusError, model: str | None) -> core.DeskError:
    status = error.status_code
    request_id = _request_id(error)
    api_message = error.api_message or str(error.message)
    if status == 200:
        return _from_stream_event(error.type, api_message, request_id)
    retry_after = retry_after_seconds(error.response.headers)
    if status == 429:
        return core.RateLimited(
            _rate_limit_message(retry_after, api_message),
            retry_after=retry_after,
            request_id=request_id,
        )
    if status == 529 or error.type == "overloaded_error":
        return core.Overloaded(
            "Claude is overloaded right now. Try again in a moment.",
            retry_after=retry_after,
            request_id=request_id,
        )
    return _from_client_status(status, api_message, model, request_id)


_BY_STATUS: dict[int, tuple[type[core.DeskError], str]] = {
    401: (
        core.AuthFailed,
        "The API key was rejected. Check it in Settings: it may be mistyped, revoked or from "
        "another organisation.",
    ),
    402: (core.PermissionDenied, "Billing problem: {api} (see Console > Billing)."),
    403: (core.PermissionDenied, "Your API key is not allowed to do this: {api}"),
    408: (core.TimedOut, "The Claude API timed out on this request. Try again."),
    413: (
        core.InvalidRequest,
        "The request is too large for the API (over 32 MB). Remove some attachments or start "
        "a new conversation.",
    ),
    504: (core.TimedOut, "The Claude API timed out on this request. Try again."),
}


def _from_client_status(
    status: int, api_message: str, model: str | None, request_id: str | None
) -> core.DeskError:
    if status == 404:
        kind, template = _not_found(model)
    elif status in _BY_STATUS:
        kind, template = _BY_STATUS[status]
    elif status >= 500:
        kind, template = core.ServerError, "Server error {status} at the Claude API. Try again."
    else:
        kind, template = core.InvalidRequest, "The API refused the request: {api}"
    text = template.format(api=api_message, model=f"“{model}”", status=status)
    return kind(text, request_id=request_id)


def _not_found(model: str | None) -> tuple[type[core.DeskError], str]:
    """A 404 for a request that named a model is about that model; any other is not."""
    if model:
        return (
            core.ModelNotFound,
            "The {model} model is not available to your account. Pick another model. ({api})",
        )
    return core.NotFound, "The Claude API could not find it: {api}"


def _from_stream_event(
    error_type: str | None, api_message: str, request_id: str | None
) -> core.DeskError:
    """An `error` event that arrived in the middle of a streamed answer."""
    if error_type == "overloaded_error":
        return core.Overloaded(
            "Claude became overloaded while answering. Try again in a moment.",
            request_id=request_id,
        )
    if error_type == "rate_limit_error":
        return core.RateLimited(_rate_limit_message(None, api_message), request_id=request_id)
    return core.ServerError(
        f"The answer was interrupted by a server error: {api_message}", request_id=request_id
    )


def _rate_limit_message(retry_after: float | None, api_message: str) -> str:
    wait = f" Wait {retry_after:.0f} s and try again." if retry_after else " Wait a little."
    return f"Rate limit reached: {api_message}.{wait}".replace("..", ".")


def _request_id(error: APIStatusError) -> str | None:
    """The `request-id` header, else the `request_id` in the body (mid-stream errors)."""
    body: Any = error.body
    from_body = body.get("request_id") if isinstance(body, dict) else None
    if error.status_code == 200 and isinstance(from_body, str):
        return from_body
    return error.request_id or (from_body if isinstance(from_body, str) else None)
