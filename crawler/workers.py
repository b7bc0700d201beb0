"""A pool of extraction processes, one per core unless configured otherwise."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
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

    def __init__(self, count: int = 0, prepare: Callable[[], object] | None = None) -> None:
        """``prepare`` (picklable) runs in each worker before its first task, e.g. to
        compile the topics; an exception from it is raised by ``start``."""
        self.count = count or os.cpu_count() or 1
        self.prepare = prepare
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the workers and wait until each has imported the extraction code.

        Call it before the reactor runs: the first start blocks for a second or two
        while the fork server imports trafilatura, and a reactor blocked that long
        makes in-flight requests time out.
        """
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            # Imported by the fork server: the extraction code and what it builds lazily
            # (crawler/warm.py), once for all workers rather than in each on its first pages.
            context.set_forkserver_preload(["crawler.warm"])
            self._pool = ProcessPoolExecutor(
                self.count,
                mp_context=context,
                initializer=_prepare_worker,
                initargs=(self.prepare,),
            )
        for future in [self._pool.submit(_ready, self.prepare) for _ in range(self.count)]:
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


def _prepare_worker(prepare: Callable[[], object] | None) -> None:
    # Ctrl-C reaches the whole process group; the parent decides how to stop, not workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    from crawler.language import detect_language

    detect_language("warm-up: load the language profiles once, before the first page")
    if prepare is not None:
        # An exception here would only break the pool without a word; _ready runs
        # ``prepare`` again as a task, and that raises it in the parent.
        with contextlib.suppress(Exception):
            prepare()


def _exit_with_parent() -> None:
    """End this worker when the process that started the pool dies (kill -9, a crash).

    Otherwise it waits for tasks for ever: its task queue never reaches end-of-file,
    since every worker holds both ends, and the fork server waits for the workers.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)


def _ready(prepare: Callable[[], object] | None) -> bool:
    if prepare is not None:
        prepare()
    return True
