"""One crawl of the configured sources in this process, recorded in crawl_runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from scrapy.crawler import CrawlerProcess
from twisted.internet import task

from crawler.config import Config, SourceConfig
from crawler.flags import Flagger
from crawler.scrapy_settings import scrapy_settings
from crawler.urls import source_domains
from crawler.workers import Workers
from spiders.news import NewsSpider, SourceRun
from storage.db import Archive

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Summary:
    """The result of one source's crawl, as printed by ``newsmon crawl``."""

    source: str
    status: str  # ok | partial | failed | interrupted | timeout
    requests: int
    pages: int
    new: int
    duplicates: int
    skipped: int
    not_modified: int
    errors: dict[str, int]
    pending: int
    message: str | None


Progress = Callable[[dict[str, SourceRun]], None]


def crawl(
    config: Config,
    sources: tuple[SourceConfig, ...],
    progress: Progress | None = None,
    log_level: str = "WARNING",
) -> list[Summary]:
    """Crawl ``sources`` once, all in one Scrapy crawler so that sites shared by two
    sources get one politeness delay; return a summary per source."""
    # Started before the reactor runs, and before any crawl_runs row is written: a bad
    # vocabulary stops the crawl here.
    flagger, workers = extraction_workers(config)
    try:
        workers.start()
        return _crawl(config, sources, workers, flagger, progress, log_level)
    finally:
        workers.shutdown()


def extraction_workers(config: Config) -> tuple[Flagger, Workers]:
    """The flagger of the configured topics, and a pool (not started) whose workers
    each compile it once."""
    flagger = Flagger.from_config(config)
    return flagger, Workers(config.crawl.workers, prepare=flagger.prepare)


def _crawl(
    config: Config,
    sources: tuple[SourceConfig, ...],
    workers: Workers,
    flagger: Flagger,
    progress: Progress | None,
    log_level: str,
) -> list[Summary]:
    archive = Archive(config.storage.path)
    runs = {s.name: SourceRun(s, source_domains(s)) for s in sources}
    run_ids = {s.name: archive.start_run(s.name) for s in sources}
    settings = scrapy_settings(config, sources) | {"LOG_LEVEL": log_level}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    quiet_scrapy(log_level)
    interrupted = False
    try:
        process.crawl(
            crawler,
            sources=sources,
            crawl=config.crawl,
            archive=archive,
            runs=runs,
            workers=workers,
            flagger=flagger,
        )
        if progress is not None:
            _start_progress(progress, runs)
        process.start()
        interrupted = crawler.stats is not None and crawler.stats.get_value(
            "finish_reason"
        ) not in ("finished", None)
    except BaseException:
        # Leave no run marked "running" for ever; what was stored stays stored.
        interrupted = True
        raise
    finally:
        workers.shutdown()
        outcome = "interrupted" if interrupted else None
        summaries = [record_run(archive, run_ids[name], run, outcome) for name, run in runs.items()]
        archive.close()
    return summaries


def quiet_scrapy(level: str) -> None:
    """Scrapy sets its loggers to DEBUG when a crawler is made; put them back."""
    logging.getLogger("scrapy").setLevel(level)
    if level == "WARNING":
        # These repeat, with tracebacks, failures that the spider reports once per URL.
        for name in (
            "scrapy.downloadermiddlewares.retry",
            "scrapy.downloadermiddlewares.robotstxt",
        ):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _start_progress(progress: Progress, runs: dict[str, SourceRun]) -> None:
    loop = task.LoopingCall(progress, runs)
    loop.start(1.0, now=False)


def record_run(archive: Archive, run_id: int, run: SourceRun, outcome: str | None) -> Summary:
    """Close the crawl_runs row of ``run``. ``outcome`` is how the crawl ended when it did
    not end by itself: interrupted, timeout (stopped after crawl.max_duration), failed."""
    counts = run.counts
    if outcome:
        status = outcome
    elif run.failed_entirely:
        status = "failed"
    elif run.errors:
        status = "partial"
    else:
        status = "ok"
    message = "; ".join(run.endpoints_failed.values()) or None
    # The counters carry the crawl_runs column names; finish_run picks its own.
    archive.finish_run(run_id, status, counts, dict(run.errors), message)
    return Summary(
        source=run.source.name,
        status=status,
        requests=counts["requests"],
        pages=counts["pages"],
        new=counts["new_articles"],
        duplicates=counts["duplicates"],
        skipped=counts["skipped"],
        not_modified=counts["not_modified"],
        errors=dict(run.errors),
        pending=archive.count_pending(run.source.name),
        message=message,
    )
