"""The app's own error kinds.

The UI catches only these; each carries a message a person can act on.
"""

from __future__ import annotations


class DeskError(Exception):
    """Base of every error the UI shows. `message` is written for people, not developers."""

    retryable: bool = True
    title: str = "Something went wrong"

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id


class AuthFailed(DeskError):
    retryable = False
    title = "API key rejected"


class PermissionDenied(DeskError):
    retryable = False
    title = "Not allowed"


class ModelNotFound(DeskError):
    retryable = False
    title = "Model not available"


class NotFound(DeskError):
    """The API knows nothing at the requested address (a batch, a file, ...)."""

    retryable = False
    title = "Not found"


class InvalidRequest(DeskError):
    retryable = False
    title = "Request refused"


class RateLimited(DeskError):
    title = "Rate limited"

    def __init__(
        self, message: str, *, retry_after: float | None = None, request_id: str | None = None
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.retry_after = retry_after


class Overloaded(DeskError):
    title = "Claude is overloaded"

    def __init__(
        self, message: str, *, retry_after: float | None = None, request_id: str | None = None
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.retry_after = retry_after


class ServerError(DeskError):
    title = "Server error"


class Offline(DeskError):
    title = "Connection problem"


class TimedOut(DeskError):
    title = "Timed out"


class NoKeyringBackend(DeskError):
    retryable = False
    title = "No secure key storage"


class MissingApiKey(DeskError):
    retryable = False
    title = "No API key"


class StorageError(DeskError):
    retryable = False
    title = "History storage problem"
