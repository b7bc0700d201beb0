"""The one exception tree of newsmon; the CLI and the daemon catch its base."""

from __future__ import annotations


class NewsmonError(Exception):
    """Base of every error newsmon reports to a user.

    ``hint`` says what the user can do about it; the CLI prints it under the message.
    """

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[NewsmonError], tuple[str, str | None]]:
        # Raised in a worker process, it crosses to the parent by pickle: keep the hint.
        return (type(self), (self.message, self.hint))


class ConfigError(NewsmonError):
    """The configuration file is missing, unreadable or invalid."""

    exit_code = 2


class StorageError(NewsmonError):
    """The archive cannot be opened, migrated or written."""


class SourceError(NewsmonError):
    """A source could not be crawled at all."""


class ExtractionError(NewsmonError):
    """A page could not be read as an article (used by ``newsmon extract``)."""


class DaemonError(NewsmonError):
    """``newsmon run`` cannot start: another daemon holds the archive."""

    # Its own code, so that a service manager can be told not to restart on it.
    exit_code = 3


class DeliveryError(NewsmonError):
    """An alert could not be handed to the mail server (or written to the alerts folder).

    ``transient`` says whether trying again later may succeed: an unreachable server, a
    timeout, a 4xx answer, a bad login.  A 5xx answer to one message is permanent for
    that message: it is kept in the outbox and reported, never retried on its own.
    """

    def __init__(self, message: str, hint: str | None = None, *, transient: bool) -> None:
        super().__init__(message, hint)
        self.transient = transient


class InputError(NewsmonError):
    """A file or text given on the command line cannot be read."""
