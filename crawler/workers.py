"""A pool of extraction processes, one per core unless configured otherwise."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Workers:
    """ProcessPoolExecutor that can be restarted after a worker dies.

    The forkserver start method: forking a process that runs the Twisted reactor
    and holds an SQLite connection is unsafe, and "spawn" would re-import
    trafilatura in every worker; the fork server imports it once.

    As with "spawn", each worker re-runs the program's ``__main__`` module (the
    ``newsmon`` script): a program that embeds the crawl needs an
    ``if __name__ == "__main__":`` guard, or its workers die at start.
    """

    def __init__(self, count: int = 0) -> None:
        self.count = count or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the workers and wait until each has imported the extraction code.

        Call it before the reactor runs: the first start blocks for a second or two
        while the fork server imports trafilatura, and a reactor blocked that long
        makes in-flight requests time out.
        """
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["crawler.process"])
            self._pool = ProcessPoolExecutor(
                self.count, mp_context=context, initializer=_prepare_worker
            )
        for future in [self._pool.submit(_ready) for _ in range(self.count)]:
            future.result()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if self._pool is None:
            self.start()
        assert self._pool is not None
        return self._pool.submit(fn, *args)

    def kill(self) -> None:
        """Kill the workers now, busy or not: their pages fail with BrokenProcessPool
        and the next submit starts a fresh pool. For a worker stuck on one page."""
        if self._pool is not None:
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.kill()
            self.shutdown()

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _prepare_worker() -> None:
    # Ctrl-C reaches the whole process group; the parent decides how to stop, not workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from crawler.language import detect_language

    detect_language("warm-up: load the language profiles once, before the first page")


def _ready() -> bool:
    return True
