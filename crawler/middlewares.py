"""Downloader middlewares of newsmon: stay on the source's sites; retry with backoff."""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.urls import on_site

BACKOFF_BASE = 1.0  # seconds before the first retry; doubled for each further one
BACKOFF_MAX = 60.0


class SourceDomainsMiddleware:
    """Refuses any request, redirects included, that leaves its source's sites.

    Scrapy's OffsiteMiddleware knows only the union of all sources' domains and lets
    ``dont_filter`` requests through; article requests need ``dont_filter`` so that a
    redirect loop is reported rather than swallowed by the duplicate filter.
    """

    def process_request(self, request: Request) -> None:
        domains = request.meta.get("newsmon_domains")
        if domains is not None and not on_site(request.url, domains):
            raise IgnoreRequest(f"offsite: {request.url} is not on {', '.join(domains)}")


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, but a retried request waits 1 s, 2 s, 4 s… (or the server's
    Retry-After) before it is sent again: an overloaded site gets room to recover."""

    async def process_request(self, request: Request) -> None:
        delay = request.meta.pop("newsmon_backoff", None)
        if delay:
            await asyncio.sleep(delay)

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            result.meta["newsmon_backoff"] = _retry_after(response) or _backoff(result)
        return result

    def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            result.meta["newsmon_backoff"] = _backoff(result)
        return result


def _backoff(request: Request) -> float:
    attempt = int(request.meta.get("retry_times", 1))
    return float(min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_MAX))


def _retry_after(response: Response) -> float | None:
    value = response.headers.get(b"Retry-After")
    if value and value.strip().isdigit():
        return min(float(value.strip()), BACKOFF_MAX)
    return None
