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
    """

    def __init__(self, count: int = 0) -> None:
        self.count = count or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["crawler.process"])
            self._pool = ProcessPoolExecutor(
                self.count, mp_context=context, initializer=_ignore_interrupts
            )
        return self._pool.submit(fn, *args)

    def restart(self) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group; the parent decides how to stop, not workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
