"""Names for the ways a request fails, as counted in crawl_runs.errors_by_kind."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionDone, ConnectionLost, TimeoutError
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

# A page like this, served with 200 and a tiny body, is an anti-bot wall, not content.
CHALLENGE_MARKERS = (
    b"cf-chl-",
    b"challenge-platform",
    b"Just a moment...",
    b"Sorry, you have been blocked",
    b"Attention Required! | Cloudflare",
    b"DDoS-Guard",
    b"captcha-delivery",
)


def error_kind(error: BaseException) -> str:
    """A short stable name for a failed request: timeout, connection, http_404, …"""
    if isinstance(error, HttpError):
        return http_kind(error.response.status)
    if isinstance(error, DownloadTimeoutError | TimeoutError):
        return "timeout"
    if isinstance(error, DownloadCancelledError):
        return "too_large"
    if isinstance(error, CannotResolveHostError):
        return "dns"
    if isinstance(error, IgnoreRequest):
        return _ignored_kind(str(error))
    if isinstance(
        error,
        DownloadConnectionRefusedError
        | DownloadFailedError
        | ResponseDataLossError
        | ConnectionLost
        | ConnectionDone
        | ResponseFailed
        | ResponseNeverReceived
        | ConnectionError,
    ):
        return "connection"
    return "other"


def http_kind(status: int) -> str:
    if status in (401, 403, 451):
        return "blocked"
    if status == 429:
        return "rate_limited"
    if status in (404, 410):
        return "not_found"
    if status >= 500:
        return "server_error"
    return f"http_{status}"


def _ignored_kind(message: str) -> str:
    if "robots.txt" in message:
        return "robots"
    if "redirect" in message:
        return "redirect_loop"
    if "offsite" in message.lower() or "filtered" in message.lower():
        return "offsite"
    return "ignored"


def looks_like_challenge(body: bytes) -> bool:
    """An anti-bot challenge shell: small, and carrying one of the known markers."""
    return len(body) < 64 * 1024 and any(marker in body for marker in CHALLENGE_MARKERS)
