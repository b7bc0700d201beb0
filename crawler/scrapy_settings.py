"""Scrapy settings built from the newsmon Config: the one place crawl behaviour is tuned."""

from __future__ import annotations

from typing import Any

import tldextract

from crawler.config import Config, SourceConfig
from crawler.urls import source_domains

# The public-suffix snapshot bundled with tldextract: newsmon never downloads the live list.
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def site_key(host: str) -> str:
    """The download slot of a host: its registrable domain, so that rss.unian.net and
    www.unian.net share one politeness delay; an IP address is its own site."""
    parts = _SUFFIXES(host)
    return str(parts.top_domain_under_public_suffix or host).lower()


def scrapy_settings(config: Config, sources: tuple[SourceConfig, ...]) -> dict[str, Any]:
    crawl = config.crawl
    return {
        "BOT_NAME": "newsmon",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "ROBOTSTXT_USER_AGENT": "newsmon",
        "DOWNLOAD_DELAY": crawl.delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency,
        "DOWNLOAD_SLOTS": _slots(crawl.delay, crawl.concurrency, sources),
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_page_size,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "REDIRECT_MAX_TIMES": 10,
        "COOKIES_ENABLED": False,
        # No listening sockets: a daemon watching news needs no remote console.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        # newsmon's own logging (set up by the CLI) decides what is shown.
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_LEVEL": "WARNING",
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middlewares.BackoffRetryMiddleware": 550,
            "crawler.middlewares.SourceDomainsMiddleware": 40,
        },
        "ITEM_PIPELINES": {
            "crawler.pipelines.ExtractPipeline": 100,
            "crawler.pipelines.StorePipeline": 200,
        },
        # Enough pages in flight (about 150 news pages) to keep every extraction
        # worker busy while the reactor downloads; the default 5 MB starves them on
        # big pages, and more only costs memory.
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 16_000_000,
        # Items of ONE response processed at once. An article response yields one Page
        # (pages of different responses are processed concurrently anyway); an endpoint
        # yields only requests. Scrapy starts this many asyncio tasks for every response:
        # at 32, 33 tasks a page cost the reactor 1.5 ms of CPU per page.
        "CONCURRENT_ITEMS": 1,
    }


def _slots(
    default_delay: float, concurrency: int, sources: tuple[SourceConfig, ...]
) -> dict[str, dict[str, Any]]:
    """Per-site delays: a source may ask for a longer (or shorter) delay than [crawl]."""
    slots: dict[str, dict[str, Any]] = {}
    for source in sources:
        if source.delay is None:
            continue
        for domain in source_domains(source):
            key = site_key(domain)
            delay = max(source.delay, slots.get(key, {}).get("delay", 0.0))
            slots[key] = {"delay": delay, "concurrency": concurrency, "jitter": 0.5}
    return {k: v for k, v in slots.items() if v["delay"] != default_delay}
