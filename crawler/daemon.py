"""``newsmon run``: crawl every source on its schedule and deliver alerts, until stopped.

One long-lived process with one Twisted reactor (asyncio), one ``AsyncCrawlerRunner`` and
one ``AsyncIOScheduler`` on the same event loop, rather than a subprocess per crawl:

* the extraction workers and their loaded trafilatura, langdetect and pymorphy3 stay warm:
  a fresh process pays about 2.5 s before its first page, half of a 5-second interval;
* memory stays flat over hundreds of crawls (a new ``Crawler`` per crawl, as Scrapy
  requires; the runner forgets it when it ends);
* the scheduler, the crawls and the archive share one thread, so SQLite is only ever
  touched from it and ``max_instances=1`` really means one crawl of a source at a time.

What a subprocess would buy, killing a crawl that hangs, is had another way: no page is
parsed in this process (the worker pool does it), a crawl that overruns
``crawl.max_duration`` is stopped through Scrapy's own shutdown, and if that does not
finish in time the workers are killed, which fails the pages they hold (they stay in the
frontier for the next crawl).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from crawler.config import Config, SourceConfig
from crawler.errors import DaemonError
from crawler.scrapy_settings import site_key
from crawler.urls import source_domains

log = logging.getLogger("newsmon.daemon")

# SIGTERM must end the process within 10 s (systemd's default is 90 s, the 10 s):
# crawls get this long to close, then the workers are killed and the rest follows.
STOP_GRACE = 5.0
KILL_GRACE = 1.5


class ArchiveLock:
    """An exclusive lock beside the archive: one daemon per archive.

    ``flock`` is released by the kernel when the process dies, ``kill -9`` included,
    so a crash never leaves a stale lock behind.
    """

    def __init__(self, archive: Path) -> None:
        self.path = archive.with_name(archive.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DaemonError(
                f"another newsmon daemon (pid {holder}) is running on {self.path.with_suffix('')}",
                hint="stop it first, or give this one another [storage] path",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
            self._file = None


# Called after every crawl with the source's summary (alerts, health); must not raise.
AfterCrawl = Callable[[Any], Awaitable[None]]


class Daemon:
    """The scheduled crawls of one archive. Everything runs on the reactor's event loop."""

    def __init__(
        self,
        config: Config,
        sources: tuple[SourceConfig, ...],
        archive: Any,
        workers: Any,
        runner: Any,
        flagger: Any = None,
        after_crawl: list[AfterCrawl] | None = None,
    ) -> None:
        self.config = config
        self.flagger = flagger
        self.sources = sources
        self.archive = archive
        self.workers = workers
        self.runner = runner
        self.after_crawl = after_crawl or [self.check_health, self.alert]
        self._delivering: asyncio.Future[Any] | None = None
        self.stopping = asyncio.Event()
        self._site_locks: dict[str, asyncio.Lock] = {}
        self._crawls: dict[str, tuple[Any, asyncio.Task[None]]] = {}
        self._jobs: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Future[Any]] = set()
        self.scheduler: Any = None

    # -- schedule --------------------------------------------------------------------

    def schedule(self, scheduler: Any) -> None:
        """One interval job per source: first run now (staggered), jitter, no overlap,
        missed runs coalesced into one."""
        from apscheduler.triggers.interval import IntervalTrigger

        self.scheduler = scheduler
        now = datetime.now(UTC)
        jitter = self.config.crawl.jitter
        for i, source in enumerate(self.sources):
            scheduler.add_job(
                self.crawl_source,
                IntervalTrigger(seconds=source.every, jitter=min(jitter, source.every / 2) or None),
                args=(source,),
                id=f"crawl:{source.name}",
                name=f"crawl {source.name}",
                next_run_time=now + timedelta(seconds=0.2 * i),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(source.every)),
            )

        # Retries of alerts that could not be delivered (backoff up to an hour), and at
        # start whatever was left waiting. A cheap query when nothing is due.
        pace = max(1.0, min(60.0, self.config.alerts.retry))
        for job in (self.tell_health, self.deliver):
            scheduler.add_job(
                job,
                "interval",
                seconds=pace,
                id=job.__name__,
                next_run_time=now,
                max_instances=1,
                coalesce=True,
            )
        for subscriber in self.config.alerts.subscribers:
            if subscriber.mode == "digest":
                scheduler.add_job(
                    self.digest,
                    "cron",
                    hour=subscriber.digest_at.hour,
                    minute=subscriber.digest_at.minute,
                    timezone=subscriber.zone,
                    id=f"digest:{subscriber.name}",
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=6 * 3600,  # a daemon down at 08:00 sends it later
                )

    # -- alerts ----------------------------------------------------------------------

    async def alert(self, summary: Any) -> None:
        """After a crawl: queue this cycle's new reports for instant subscribers, deliver."""
        from crawler.alerting import queue_new_reports

        if queue_new_reports(self.config, self.archive, datetime.now(UTC), "instant"):
            await self.deliver()

    async def digest(self) -> None:
        from crawler.alerting import queue_new_reports

        if queue_new_reports(self.config, self.archive, datetime.now(UTC), "digest"):
            await self.deliver()

    async def deliver(self) -> None:
        """Deliver what is due, in a thread (SMTP may hang for its timeout); one round at
        a time: a round already running picks up what was queued meanwhile or next time."""
        from crawler.alerting import deliver

        if self._delivering is not None and not self._delivering.done():
            return
        self._delivering = _in_thread(lambda: deliver(self.config, self.stopping.is_set))
        try:
            result = await self._delivering
        except Exception:
            log.exception("alert delivery failed")
            return
        if result.sent or result.retrying or result.failed:
            log.info(
                "alerts: %d sent, %d to retry, %d refused",
                result.sent,
                result.retrying,
                result.failed,
            )

    # -- one crawl -------------------------------------------------------------------

    def _site_lock(self, source: SourceConfig) -> asyncio.Lock:
        # Sources on one site (pravda uk/ru/en) take turns: each crawl has its own
        # downloader, and two at once would halve the politeness delay.
        key = min((site_key(d) for d in source_domains(source)), default=source.name)
        return self._site_locks.setdefault(key, asyncio.Lock())

    async def crawl_source(self, source: SourceConfig) -> Any:
        """Crawl one source once, record it in crawl_runs, then run the after-crawl hooks."""
        from crawler.runner import quiet_scrapy, record_run
        from spiders.news import NewsSpider, SourceRun

        if self.stopping.is_set():
            return None
        job = asyncio.current_task()
        if job is not None:
            self._jobs.add(job)
            job.add_done_callback(self._jobs.discard)
        async with self._site_lock(source):
            if self.stopping.is_set():
                return None
            run = SourceRun(source, source_domains(source))
            run_id = self.archive.start_run(source.name)
            crawler = self.runner.create_crawler(NewsSpider)
            quiet_scrapy(logging.getLevelName(logging.getLogger("scrapy").level))
            task = self.runner.crawl(
                crawler,
                sources=(source,),
                crawl=self.config.crawl,
                archive=self.archive,
                runs={source.name: run},
                workers=self.workers,
                flagger=self.flagger,
            )
            self._crawls[source.name] = (crawler, task)
            outcome: str | None = None
            try:
                await asyncio.wait_for(asyncio.shield(task), self.config.crawl.max_duration)
            except TimeoutError:
                outcome = "timeout"
                log.warning(
                    "%s: crawl still running after %.0f s: stopping it",
                    source.name,
                    self.config.crawl.max_duration,
                )
                await self._stop_crawl(crawler, task)
            except asyncio.CancelledError:
                # The daemon is stopping and this crawl did not close in time (a download
                # hangs): record it now; the process is about to end. Not re-raised: there
                # is nobody left to tell, and APScheduler would log it as a failure.
                outcome = "interrupted"
                return None
            except Exception:
                outcome = "failed"
                log.exception("%s: crawl failed", source.name)
            finally:
                self._crawls.pop(source.name, None)
                reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
                if outcome is None and (self.stopping.is_set() or reason not in ("finished", None)):
                    outcome = "interrupted"
                summary = record_run(self.archive, run_id, run, outcome)
            log.info(
                "%s: %s, %d requests, %d new, %d errors",
                source.name,
                summary.status,
                summary.requests,
                summary.new,
                sum(summary.errors.values()),
            )
        for hook in self.after_crawl:
            try:
                await hook(summary)
            except Exception:  # an alert problem must never stop the crawling
                log.exception("after-crawl step failed for %s", source.name)
        return summary

    async def check_health(self, summary: Any) -> None:
        """Judge the source after its crawl; on a change of state, one notice."""
        from crawler.health import assess, describe
        from storage.health import last_new_and_first_crawl, recent_runs, reported, save_health

        source = self.config.source(summary.source)
        crawl = self.config.crawl
        last_new, first = last_new_and_first_crawl(self.archive, source.name)
        health = assess(
            recent_runs(self.archive, source.name, crawl.failures + 1),
            last_new,
            first,
            datetime.now(UTC),
            failures=crawl.failures,
            silence=crawl.silence if source.silence is None else source.silence,
        )
        previous = reported(self.archive, source.name)
        if save_health(self.archive, source.name, health):
            log.warning("%s", describe(source.name, previous.state, health))

    async def tell_health(self) -> None:
        """Queue one notice with the changes of health not yet told, then deliver it.

        Run every delivery interval rather than per crawl: when the network goes down,
        every source fails within minutes, and that is one message, not forty."""
        from crawler.alerting import queue_health_notice
        from crawler.health import summarize
        from storage.health import mark_notified, owed_notices

        changes = owed_notices(self.archive)
        if not changes:
            return
        subject, lines = summarize(changes)
        now = datetime.now(UTC)
        queue_health_notice(self.config, self.archive, subject, lines, now)
        # After queuing: a crash in between tells the change twice rather than never.
        mark_notified(self.archive, [c["source"] for c in changes])
        await self.deliver()

    async def _stop_crawl(self, crawler: Any, task: asyncio.Task[None]) -> None:
        """Ask the crawl to close; do not wait for it longer than the graces. Its run is
        recorded either way: a download that hangs on may finish (bounded by
        crawl.timeout) and even store its page, but it holds up nothing."""
        self._keep(crawler.stop_async())
        done, _ = await asyncio.wait({task}, timeout=STOP_GRACE)
        if not done:
            # A worker is stuck on a page and the engine waits for it: kill the workers,
            # which fails the pages in hand (retried on the next crawl) and lets it close.
            log.warning("crawl did not stop in %.0f s: killing extraction workers", STOP_GRACE)
            self.workers.kill()
            await asyncio.wait({task}, timeout=KILL_GRACE)

    # -- stop ------------------------------------------------------------------------

    def request_stop(self, signum: int | None = None) -> None:
        if not self.stopping.is_set():
            name = signal.Signals(signum).name if signum else "request"
            log.info("stopping (%s)", name)
            self.stopping.set()

    async def wait_and_stop(self) -> None:
        """Return once a stop was requested and every crawl has closed (or been cut off)."""
        await self.stopping.wait()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        crawls = list(self._crawls.values())
        for crawler, _ in crawls:
            self._keep(crawler.stop_async())
        tasks = {t for _, t in crawls}
        if tasks:
            _, hanging = await asyncio.wait(tasks, timeout=STOP_GRACE)
            if hanging:
                self.workers.kill()
                await asyncio.wait(hanging, timeout=KILL_GRACE)
        # Let each crawl job record its run and queue its alerts; cut off what is left,
        # which records the run as interrupted.
        jobs = {j for j in self._jobs if j is not asyncio.current_task()}
        if jobs:
            _, left = await asyncio.wait(jobs, timeout=1.0)
            for job in left:
                job.cancel()
            if left:
                await asyncio.wait(left, timeout=0.5)

    def _keep(self, coro: Any) -> None:
        # asyncio keeps only weak references to tasks: hold on until it is done.
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _in_thread(fn: Callable[[], Any]) -> asyncio.Future[Any]:
    """Run ``fn`` in a daemon thread: a mail server that hangs must not hold up the
    process's exit (a ThreadPoolExecutor's threads are joined at exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if not future.done():
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)

    def target() -> None:
        try:
            result, error = fn(), None
        except Exception as e:
            result, error = None, e
        with contextlib.suppress(RuntimeError):  # the loop has closed: the daemon is gone
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=target, name="newsmon-delivery", daemon=True).start()
    return future


def run(config: Config, sources: tuple[SourceConfig, ...], log_level: str = "INFO") -> int:
    """Run the daemon in this process until SIGTERM or SIGINT; return the exit code."""
    from crawler.runner import extraction_workers
    from storage.db import Archive

    lock = ArchiveLock(config.storage.path)
    lock.acquire()
    # The workers stay warm for the daemon's lifetime.
    flagger, workers = extraction_workers(config)
    archive = Archive(config.storage.path)
    try:
        # Before the reactor: starting the pool blocks a second or two (see Workers.start).
        workers.start()
        return _run_reactor(config, sources, archive, workers, flagger, log_level)
    finally:
        workers.shutdown()
        archive.close()
        lock.release()


def _run_reactor(
    config: Config,
    sources: tuple[SourceConfig, ...],
    archive: Any,
    workers: Any,
    flagger: Any,
    log_level: str,
) -> int:
    from scrapy.utils.reactor import install_reactor

    # Before anything imports twisted.internet.reactor (APScheduler's twisted module
    # would install the epoll one; see stack-facts).
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from scrapy.crawler import AsyncCrawlerRunner
    from twisted.internet import reactor as _reactor

    from crawler.runner import quiet_scrapy
    from crawler.scrapy_settings import scrapy_settings

    reactor: Any = _reactor  # its interfaces are not what mypy sees on the module

    loop = asyncio.get_event_loop()
    settings = scrapy_settings(config, sources) | {"LOG_LEVEL": log_level}
    runner = AsyncCrawlerRunner(settings)
    quiet_scrapy(log_level)
    daemon = Daemon(config, sources, archive, workers, runner, flagger)
    exit_code = 0

    async def main() -> None:
        nonlocal exit_code
        try:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, daemon.request_stop, signum)
            waiting = archive.retry_now()
            if waiting:
                log.info("%d alerts waiting from before: delivering now", waiting)
            scheduler = AsyncIOScheduler(event_loop=loop, timezone=UTC)
            daemon.schedule(scheduler)
            scheduler.start()
            log.info("newsmon run: %d sources, archive %s", len(sources), config.storage.path)
            await daemon.wait_and_stop()
        except Exception:
            log.exception("daemon failed")
            exit_code = 1
        finally:
            reactor.stop()

    reactor.callWhenRunning(lambda: loop.create_task(main()))
    reactor.run(installSignalHandlers=False)
    return exit_code
