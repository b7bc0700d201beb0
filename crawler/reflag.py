"""Recompute stored verdicts after the vocabulary, the watchlist or the classifier changed.

Streams the archive in batches by article id and commits each batch: memory stays flat
on an archive of millions of articles, and an interruption loses at most one batch.
Verdicts already made with the current vocabulary are skipped, so running it again after
an interruption picks up where it stopped.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field

from crawler.flags import Flagger
from crawler.workers import Workers
from storage.db import Archive, StoredText, VerdictRow


@dataclass
class ReflagCounts:
    """What reflag did to one topic's verdicts."""

    topic: str
    total: int = 0  # articles to check, counted before starting
    checked: int = 0
    flagged: int = 0  # not flagged before (or never classified), flagged now
    unflagged: int = 0
    unchanged: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, texts: list[StoredText], rows: list[VerdictRow]) -> None:
        for text, row in zip(texts, rows, strict=True):
            self.checked += 1
            before = bool(text.flag)
            if row.flag and not before:
                self.flagged += 1
            elif before and not row.flag:
                self.unflagged += 1
            else:
                self.unchanged += 1

    @property
    def rate(self) -> float:
        """Articles per second so far."""
        return self.checked / max(time.monotonic() - self.started, 1e-9)


Progress = Callable[[ReflagCounts], None]


def reflag(
    archive: Archive,
    flagger: Flagger,
    *,
    since: str | None = None,
    everything: bool = False,
    workers: Workers | None = None,
    batch: int = 500,
    progress: Progress | None = None,
) -> list[ReflagCounts]:
    """Reclassify the stale verdicts of every topic of ``flagger`` (all with ``everything``)
    of articles fetched or published at or after ``since``; classification runs in
    ``workers`` when given, in this process otherwise."""
    results = []
    for spec in flagger.topics:
        single = flagger.only(spec.name)
        total = archive.count_to_reflag(
            spec.name, spec.vocabulary, since=since, everything=everything
        )
        counts = ReflagCounts(spec.name, total)
        batches = archive.texts_to_reflag(
            spec.name, spec.vocabulary, since=since, everything=everything, batch=batch
        )
        for texts, rows in _classified(batches, single, workers):
            archive.save_verdicts((t.id, r) for t, r in zip(texts, rows, strict=True))
            counts.add(texts, rows)
            if progress is not None:
                progress(counts)
        results.append(counts)
    return results


def classify_texts(flagger: Flagger, texts: list[StoredText]) -> list[VerdictRow]:
    """The verdict of ``flagger``'s one topic on each text (run in a worker process)."""
    return [flagger.rows(t.title, t.text, t.language)[0] for t in texts]


def _classified(
    batches: Iterable[list[StoredText]], flagger: Flagger, workers: Workers | None
) -> Iterator[tuple[list[StoredText], list[VerdictRow]]]:
    """(batch, its verdicts) in the order read; with workers, a few batches in flight."""
    if workers is None:
        for texts in batches:
            yield texts, classify_texts(flagger, texts)
        return
    in_flight: deque[tuple[list[StoredText], Future[list[VerdictRow]]]] = deque()
    for texts in batches:
        in_flight.append((texts, workers.submit(classify_texts, flagger, texts)))
        # One batch per worker plus one queued keeps every worker busy, memory bounded.
        if len(in_flight) > workers.count:
            done, future = in_flight.popleft()
            yield done, future.result()
    while in_flight:
        done, future = in_flight.popleft()
        yield done, future.result()


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_since(value: str) -> str:
    """A date (2026-11-20), a date and time (2026-11-20T08:00, UTC unless a zone is given)
    or an age ('7d', '12h'), as the ISO string stored times are compared with; the same
    reading as newsmon query's --since. ValueError if it is none of these."""
    from crawler.errors import InputError
    from crawler.search import parse_time

    try:
        return parse_time(value)
    except InputError as e:
        raise ValueError(e.message) from None
