"""Thin Scrapy adapters around the core: extraction in worker processes, then the archive."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.errors import StorageError
from crawler.extract import Skipped
from crawler.process import Page, Processed, process_page
from crawler.template import PageBlocks
from crawler.workers import Workers

log = logging.getLogger(__name__)


class ExtractPipeline:
    """Runs ``process_page`` in a worker process, so that parsing HTML on every core
    never blocks the reactor that downloads the next pages."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        spider: Any = self.crawler.spider
        workers: Workers = spider.workers
        try:
            page = dataclasses.replace(item, template=self._template(item.source))
            return await asyncio.wrap_future(workers.submit(process_page, page, spider.flagger))
        except BrokenProcessPool:
            # A worker died (out of memory on a monstrous page, a crash in lxml):
            # start fresh ones; the page stays in the frontier for the next crawl.
            workers.shutdown()  # the next submit starts a fresh pool
            self._failed(item, "worker process died")
        except Exception as e:  # a bug in extraction must cost one page, not the crawl
            log.exception("extraction failed on %s", item.url)
            self._failed(item, f"{type(e).__name__}: {e}")
        raise DropItem(f"not processed: {item.url}", log_level="INFO")

    def _template(self, source: str) -> frozenset[int]:
        """The source's learned template, read from the archive once per crawl, then kept
        up to date by StorePipeline."""
        spider: Any = self.crawler.spider
        if source not in spider.templates:
            spider.templates[source] = spider.archive.template(source)
        return spider.templates[source]

    def _failed(self, item: Page, reason: str) -> None:
        spider = self.crawler.spider
        spider.runs[item.source].errors["processing"] += 1  # type: ignore[union-attr]
        spider.archive.record_failure(  # type: ignore[union-attr]
            item.requested_url,
            item.source,
            reason,
            spider.settings_crawl.max_attempts,  # type: ignore[union-attr]
        )


class StorePipeline:
    """Writes each processed page to the archive: a new article, a duplicate, or a skip."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Processed):
            return item
        spider: Any = self.crawler.spider
        run = spider.runs[item.source]
        aliases = [item.requested_url, item.page_url]
        try:
            if isinstance(item.result, Skipped):
                spider.archive.record_skip(aliases, item.source, item.result.reason)
                run.counts["skipped"] += 1
                raise DropItem(f"skipped {item.page_url}: {item.result.reason}", log_level="INFO")
            stored = spider.archive.store(
                item.result, aliases, item.verdicts, item.features, item.words
            )
        except StorageError as e:
            # Nothing was written: the URL stays in the frontier and is fetched again.
            run.errors["storage"] += 1
            log.error("%s: %s", e, item.page_url)
            raise DropItem(str(e)) from e
        if stored.outcome in _COUNTER:  # "known": an alias of a stored article, not news
            run.counts[_COUNTER[stored.outcome]] += 1
        if stored.outcome == "new" and item.blocks is not None:
            self._learn(spider, item.source, item.blocks)
        return stored

    def _learn(self, spider: Any, source: str, blocks: PageBlocks) -> None:
        """Count a new page's blocks towards its source's template."""
        try:
            spider.templates[source] = spider.archive.learn_template(source, blocks)
        except StorageError as e:  # the article is stored; only what it teaches is lost
            spider.runs[source].errors["storage"] += 1
            log.error("%s: cannot learn from a page: %s", source, e)


_COUNTER = {"new": "new_articles", "duplicate": "duplicates"}
