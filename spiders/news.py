"""The generic news spider: a source's feeds, sitemaps and listings lead to its articles.

Discovery only. Article bytes go on as ``Page`` items to the extraction pipeline; the
archive is asked *before* any article request whether the URL is already known.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from crawler.config import CrawlConfig, SourceConfig
from crawler.errors import SourceError
from crawler.flags import Flagger
from crawler.process import Page
from crawler.scrapy_settings import site_key
from crawler.urls import canonicalize, on_site, source_domains
from crawler.workers import Workers
from spiders.discovery import Entry, parse_feed, parse_sitemap
from spiders.failures import error_kind, looks_like_challenge
from storage.db import Archive

log = logging.getLogger(__name__)

# Endpoints go before articles so that discovery is never starved by a long queue.
ENDPOINT_PRIORITY = 10
NON_HTML = (
    "image/",
    "video/",
    "audio/",
    "application/pdf",
    "application/zip",
    "application/octet-stream",
)


@dataclass
class SourceRun:
    """What happened to one source during this crawl; read by the runner at the end."""

    source: SourceConfig
    domains: tuple[str, ...]
    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    endpoints_ok: int = 0
    endpoints_failed: dict[str, str] = field(default_factory=dict)
    scheduled: set[str] = field(default_factory=set)

    @property
    def failed_entirely(self) -> bool:
        return self.endpoints_ok == 0 and bool(self.endpoints_failed)


class NewsSpider(scrapy.Spider):
    name = "newsmon"

    def __init__(
        self,
        sources: tuple[SourceConfig, ...],
        crawl: CrawlConfig,
        archive: Archive,
        runs: dict[str, SourceRun],
        workers: Workers,
        flagger: Flagger | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.workers = workers
        self.flagger = flagger  # used by the extraction pipeline, in the workers
        self.sources = sources
        self.settings_crawl = crawl
        self.archive = archive
        self.runs = runs
        # Each source's learned template, kept up to date by the pipelines.
        self.templates: dict[str, frozenset[int]] = {}
        self.allowed_domains = sorted({d for s in sources for d in source_domains(s)})
        self.links = LinkExtractor()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._count_request, signal=signals.request_reached_downloader)
        return spider

    def _count_request(self, request: scrapy.Request) -> None:
        source = request.meta.get("source")  # robots.txt requests belong to no source
        if source in self.runs:
            self.runs[source].counts["requests"] += 1

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            for kind, urls in (
                ("feed", source.feeds),
                ("sitemap", source.sitemaps),
                ("listing", source.listings),
            ):
                for url in urls:
                    yield self.endpoint_request(url, source, kind)
            for url in self.archive.pending(source.name, self.settings_crawl.max_articles):
                for request in self.article_requests(source, [url]):
                    yield request

    # -- endpoints -------------------------------------------------------------------------

    def endpoint_request(self, url: str, source: SourceConfig, kind: str) -> scrapy.Request:
        headers = {}
        state = self.archive.feed_state(url)
        if state and state.etag:
            headers["If-None-Match"] = state.etag
        if state and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        return scrapy.Request(
            url,
            callback=self.parse_endpoint,
            errback=self.endpoint_failed,
            headers=headers,
            priority=ENDPOINT_PRIORITY,
            dont_filter=True,
            meta=self._meta(url, source, kind=kind, handle_httpstatus_list=[304]),
        )

    def parse_endpoint(self, response: Response) -> Iterator[scrapy.Request]:
        source, kind = self._source(response), response.meta["kind"]
        run = self.runs[source.name]
        if response.status == 304:
            run.counts["not_modified"] += 1
            run.endpoints_ok += 1
            self.archive.save_feed_state(_original_url(response), source.name, status=304)
            return
        if looks_like_challenge(response.body):
            # "blocked", like a 403: the health check reports the site as refusing us.
            message = f"{response.url}: anti-bot challenge page"
            self._endpoint_error(run, _original_url(response), "blocked", message)
            return
        try:
            children, entries = self._read_endpoint(response, kind)
        except SourceError as e:
            self._endpoint_error(run, _original_url(response), "bad_" + kind, str(e))
            return
        run.endpoints_ok += 1
        self._save_validators(response, source, len(children) + len(entries))
        for child in self._fresh(children):
            yield self.endpoint_request(child.url, source, "sitemap")
        yield from self.follow(source, entries)

    def _read_endpoint(self, response: Response, kind: str) -> tuple[list[Entry], list[Entry]]:
        """(child sitemaps, article links) of an endpoint."""
        if kind == "feed":
            feed = parse_feed(response.body, response.url, _content_type(response) or None)
            if feed.problem:
                run = self.runs[response.meta["source"]]
                run.errors["bad_feed"] += 1
                log.warning("%s: %s: %s", run.source.name, response.url, feed.problem)
            return [], feed.entries
        if kind == "sitemap":
            sitemap = parse_sitemap(response.body, response.url, self.settings_crawl.max_page_size)
            if sitemap.kind == "index":
                return sitemap.entries, []
            return [], sitemap.entries
        if not isinstance(response, TextResponse):
            raise SourceError(f"{response.url}: listing page is not HTML")
        return [], [Entry(link.url) for link in self.links.extract_links(response)]

    def _save_validators(self, response: Response, source: SourceConfig, entries: int) -> None:
        etag = response.headers.get(b"ETag")
        modified = response.headers.get(b"Last-Modified")
        self.archive.save_feed_state(
            _original_url(response),
            source.name,
            status=response.status,
            entries=entries,
            etag=etag.decode("latin-1") if etag else None,
            last_modified=modified.decode("latin-1") if modified else None,
        )

    def endpoint_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        run = self.runs[request.meta["source"]]
        error = failure.value or Exception("unknown failure")
        self._endpoint_error(run, request.url, error_kind(error), str(error))

    def _endpoint_error(self, run: SourceRun, url: str, kind: str, message: str) -> None:
        run.errors[kind] += 1
        run.endpoints_failed[url] = f"{kind}: {message}"
        log.warning("%s: %s failed (%s): %s", run.source.name, url, kind, message)

    # -- articles --------------------------------------------------------------------------

    def follow(self, source: SourceConfig, entries: Iterable[Entry]) -> Iterator[scrapy.Request]:
        """Queue the new article links of an endpoint and request as many as the budget allows."""
        run = self.runs[source.name]
        fresh = list(self._fresh(entries))
        candidates = {canonicalize(e.url): e for e in fresh if self._wanted(source, e)}
        if fresh and not any(on_site(e.url, run.domains) for e in fresh):
            # The classic misconfiguration: a feed on rss.example.net linking to
            # www.example.ua. Say so, or the source just looks quiet.
            log.warning(
                "%s: none of the %d links found is on %s: set domains in its config",
                source.name,
                len(fresh),
                ", ".join(run.domains),
            )
        known = self.archive.known(candidates)
        new = {url: e for url, e in candidates.items() if url not in known}
        self.archive.add_pending(
            source.name,
            [(url, e.listed.isoformat() if e.listed else None) for url, e in new.items()],
        )
        yield from self.article_requests(source, new)

    def article_requests(
        self, source: SourceConfig, urls: Iterable[str]
    ) -> Iterator[scrapy.Request]:
        run = self.runs[source.name]
        for url in urls:
            if url in run.scheduled:
                continue
            if len(run.scheduled) >= self.settings_crawl.max_articles:
                continue  # stays pending in the archive for the next crawl
            run.scheduled.add(url)
            # dont_filter: run.scheduled already dedupes, and Scrapy's filter would
            # silently swallow a redirect loop instead of reporting it.
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                meta=self._meta(url, source, newsmon_domains=run.domains),
                dont_filter=True,
            )

    def parse_article(self, response: Response) -> Iterator[Page]:
        source = self._source(response)
        run = self.runs[source.name]
        run.counts["pages"] += 1
        requested = _original_url(response)
        content_type = _content_type(response).lower()
        if content_type.startswith(NON_HTML):
            run.counts["skipped"] += 1
            self.archive.record_skip(
                [requested, canonicalize(response.url)],
                source.name,
                f"not a web page ({content_type.split(';')[0]})",
            )
            return
        if looks_like_challenge(response.body):
            run.errors["blocked"] += 1
            self.archive.record_failure(
                requested, source.name, "anti-bot challenge page", self.settings_crawl.max_attempts
            )
            return
        yield Page(
            url=response.url,
            requested_url=requested,
            source=source.name,
            language=source.language,
            domains=run.domains,
            body=response.body,
            content_type=content_type or None,
            rules=source.rules,
        )

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        url = _original_url(request)
        source = request.meta["source"]
        run = self.runs[source]
        error = failure.value or Exception("unknown failure")
        kind = error_kind(error)
        if kind != "robots":  # obeying robots.txt is newsmon's choice, not the site's fault
            run.errors[kind] += 1
        if kind in ("not_found", "robots", "offsite", "redirect_loop"):
            # Permanent answers: remember them so that the URL is not asked for again.
            run.counts["skipped"] += 1
            self.archive.record_skip([url], source, f"{kind}: {failure.value}")
            return
        gave_up = self.archive.record_failure(
            url, source, f"{kind}: {failure.value}", self.settings_crawl.max_attempts
        )
        log.warning(
            "%s: %s failed (%s)%s",
            source,
            url,
            kind,
            "; giving up on it" if gave_up else "; will retry next crawl",
        )

    # -- helpers ---------------------------------------------------------------------------

    def _wanted(self, source: SourceConfig, entry: Entry) -> bool:
        url = entry.url
        if urlsplit(url).scheme not in ("http", "https"):
            return False
        if not on_site(url, self.runs[source.name].domains):
            return False
        if source.article_pattern and not source.article_pattern.search(url):
            return False
        return not (source.exclude_pattern and source.exclude_pattern.search(url))

    def _fresh(self, entries: Iterable[Entry]) -> Iterator[Entry]:
        """Entries not older than ``max_age``; entries without a date are kept."""
        max_age = self.settings_crawl.max_age
        cutoff = datetime.now(UTC) - timedelta(seconds=max_age) if max_age else None
        for entry in entries:
            if cutoff is None or entry.listed is None or entry.listed >= cutoff:
                yield entry

    def _meta(self, url: str, source: SourceConfig, **extra: Any) -> dict[str, Any]:
        host = urlsplit(url).hostname or ""
        return {"source": source.name, "download_slot": site_key(host), **extra}

    def _source(self, response: Response) -> SourceConfig:
        return self.runs[response.meta["source"]].source


def _content_type(response: Response) -> str:
    return (response.headers.get(b"Content-Type") or b"").decode("latin-1")


def _original_url(message: scrapy.Request | Response) -> str:
    """The URL that was asked for, before any redirect: the key the archive knows it by."""
    return str(message.meta.get("redirect_urls", [message.url])[0])
