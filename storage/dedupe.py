"""Near copies and stories in the archive: the index tables and the checks.

Called by ``Archive.store`` inside the transaction that stores an article, so an article
is never stored without its place (copy of which article, member of which story) nor
indexed without being stored. The features come from crawler/fingerprint.py, computed in
the extraction workers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from crawler.fingerprint import (
    COMMON_FLOOR,
    COMMON_SHARE,
    NEAR_COPY,
    STORY_WINDOW,
    Fingerprint,
    StoryMatch,
    StoryView,
    fingerprint,
    jaccard,
    pack_stems,
    same_story,
    shingles,
    unpack_stems,
)

COMMON_EVERY = 200  # articles between two counts of the window's common anchors
VERIFY = 3  # near-copy candidates (most shared bands first) checked against their text
STORY_CANDIDATES = 12  # story candidates (most shared anchors first) compared in full


@dataclass(frozen=True)
class Placement:
    """Where a new article goes: a copy of an original, or into a story (maybe its own)."""

    duplicate_of: int | None = None
    story_id: int | None = None  # None: a new story, whose id is the article's own
    kind: str | None = None  # copy | near_copy | story; None for the first of a story
    other_id: int | None = None  # the article it matched
    similarity: float | None = None
    reason: str | None = None


def place(
    db: Database,
    text: str,
    language: str,
    seen: str | None,
    fetched: str,
    fp: Fingerprint,
    exact_original: int | None,
) -> Placement:
    """Decide, before it is inserted, what a new article is: an exact copy (same words as
    ``exact_original``), a near copy of an earlier original, a new report of a story in
    the window, or the first report of a new story."""
    if exact_original is not None:
        return _copy_of(db, exact_original, "copy", 1.0, "same text")
    near = near_copy_of(db, text, fp)
    if near is not None:
        original, similarity = near
        reason = f"word 5-gram Jaccard {similarity:.2f}"
        return _copy_of(db, original, "near_copy", similarity, reason)
    found = story_of_new(db, language, seen, fetched, fp)
    if found is None:
        return Placement()
    other, story_id, match = found
    return Placement(None, story_id, "story", other, match.words, match.reason())


def record(
    db: Database, article_id: int, placement: Placement, fp: Fingerprint, **view: str | None
) -> int:
    """Write the placement of the stored article ``article_id`` (its match and, for an
    original, its index rows); return its story id. ``view``: language, seen, fetched."""
    story_id = placement.story_id or article_id
    if placement.kind is not None:
        db.execute(
            "insert or replace into matches (article_id, kind, other_id, similarity, reason)"
            " values (?, ?, ?, ?, ?)",
            [
                article_id,
                placement.kind,
                placement.other_id,
                placement.similarity,
                placement.reason,
            ],
        )
    if placement.duplicate_of is None:
        _index(db, article_id, story_id, fp, view.get("language"), view.get("seen"))
        _prune(db, article_id, view.get("fetched"))
    return story_id


def _copy_of(db: Database, original: int, kind: str, similarity: float, reason: str) -> Placement:
    row = db.execute("select story_id from articles where id = ?", [original]).fetchone()
    story_id = row[0] if row and row[0] is not None else original
    return Placement(original, story_id, kind, original, round(similarity, 3), reason)


# --------------------------------------------------------------------------- near copies


def near_copy_of(db: Database, text: str, fp: Fingerprint) -> tuple[int, float] | None:
    """The indexed original most like ``text`` with shingle Jaccard >= NEAR_COPY, and that
    similarity; the LSH bands only propose candidates, the texts decide."""
    if not fp.bands:
        return None
    marks = ",".join("?" * len(fp.bands))
    candidates = db.execute(
        f"select article_id, count(*) n from near_copy_bands where key in ({marks})"
        " group by article_id order by n desc, article_id limit ?",
        [*fp.bands, VERIFY],
    ).fetchall()
    if not candidates:
        return None
    mine = shingles(text)
    best: tuple[int, float] | None = None
    for article_id, _ in candidates:
        row = db.execute("select text from articles where id = ?", [article_id]).fetchone()
        similarity = jaccard(mine, shingles(row[0] or "")) if row else 0.0
        if similarity >= NEAR_COPY and (best is None or similarity > best[1]):
            best = (int(article_id), similarity)
    return best


# --------------------------------------------------------------------------- stories


def story_of_new(
    db: Database, language: str, seen: str | None, fetched: str, fp: Fingerprint
) -> tuple[int, int, StoryMatch] | None:
    """(article matched, its story id, why) for the best story of the window that this
    article reports too, or None. Five queries, whatever the size of the archive."""
    if not fp.anchors:
        return None
    start = window_start(db, fetched)
    if start is None:
        return None
    common = _common(db, fp.anchors, start)
    candidates = _candidates(db, [a for a in fp.anchors if a not in common], start)
    view = StoryView(language, frozenset(fp.anchors), frozenset(fp.stems))
    when = _moment(seen or fetched)
    best: tuple[int, int, StoryMatch] | None = None
    for other, story_id, other_language, other_seen, anchors, stems in candidates:
        if not _close(when, _moment(other_seen)):
            continue
        old = StoryView(
            other_language or "",
            frozenset(json.loads(anchors or "[]")),
            frozenset(unpack_stems(stems)),
        )
        match = same_story(view, old, common)
        if match is not None and (best is None or match.score > best[2].score):
            best = (int(other), int(story_id), match)
    return best


def _common(db: Database, anchors: Sequence[str], start: int) -> frozenset[str]:
    """Those of ``anchors`` too common in the window to tell stories apart (a country, a
    capital, an agency's name), as last counted by ``count_common``."""
    marks = ",".join("?" * len(anchors))
    rows = db.execute(f"select anchor from story_common where anchor in ({marks})", anchors)
    return frozenset(anchor for (anchor,) in rows)


def count_common(db: Database, start: int) -> None:
    """Recount which anchors are in more than COMMON_SHARE (and COMMON_FLOOR) of the
    window's articles. Every COMMON_EVERY articles: counting for each article would read
    the long postings of the common anchors every time."""
    last = db.execute("select max(id) from articles").fetchone()[0] or start
    cap = max(COMMON_FLOOR, COMMON_SHARE * (last - start + 1))
    db.execute("delete from story_common")
    db.execute(
        "insert into story_common (anchor, articles) select anchor, count(*) from story_anchors"
        " where article_id >= ? group by anchor having count(*) > ?",
        [start, cap],
    )


def _candidates(db: Database, anchors: Sequence[str], start: int) -> list[Sequence[Any]]:
    """The story features of the window's articles sharing most of ``anchors``."""
    if not anchors:
        return []
    marks = ",".join("?" * len(anchors))
    return db.execute(
        "select f.article_id, f.story_id, f.language, f.seen, f.anchors, f.stems"
        " from (select article_id, count(*) n from story_anchors"
        f" where anchor in ({marks}) and article_id >= ?"
        " group by article_id order by n desc, article_id desc limit ?) c"
        " join story_features f on f.article_id = c.article_id order by c.n desc",
        [*anchors, start, STORY_CANDIDATES],
    ).fetchall()


def window_start(db: Database, fetched: str) -> int | None:
    """The first article id fetched within STORY_WINDOW before ``fetched`` (ids grow with
    fetched), or None when the archive has none."""
    since = (_moment(fetched) - timedelta(seconds=STORY_WINDOW)).isoformat(timespec="seconds")
    row = db.execute(
        "select id from articles where fetched >= ? order by fetched limit 1", [since]
    ).fetchone()
    return None if row is None else int(row[0])


def _index(
    db: Database,
    article_id: int,
    story_id: int,
    fp: Fingerprint,
    language: str | None,
    seen: str | None,
) -> None:
    db.conn.executemany(
        "insert or ignore into near_copy_bands (key, article_id) values (?, ?)",
        [(key, article_id) for key in fp.bands],
    )
    if not fp.anchors:
        return
    db.execute(
        "insert or replace into story_features (article_id, story_id, language, seen, anchors,"
        " stems) values (?, ?, ?, ?, ?, ?)",
        [article_id, story_id, language, seen, json.dumps(fp.anchors), pack_stems(fp.stems)],
    )
    db.conn.executemany(
        "insert or ignore into story_anchors (anchor, article_id) values (?, ?)",
        [(anchor, article_id) for anchor in fp.anchors],
    )


def _prune(db: Database, article_id: int, fetched: str | None) -> None:
    """Forget the story features of articles that left the window; now and then, recount
    its common anchors."""
    start = window_start(db, fetched) if fetched else None
    if start is not None:
        db.execute("delete from story_anchors where article_id < ?", [start])
        db.execute("delete from story_features where article_id < ?", [start])
        if article_id % COMMON_EVERY == 0:
            count_common(db, start)


def seen_time(published: str | None, fetched: str) -> str:
    """When the article appeared: its publication time if readable, else when fetched."""
    if published:
        try:
            datetime.fromisoformat(published)
            return published
        except ValueError:
            pass
    return fetched


def _moment(value: str | None) -> datetime:
    """An ISO 8601 time as an aware datetime (UTC when it has no zone); the epoch when
    it is missing or unreadable, which no window reaches."""
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _close(a: datetime, b: datetime) -> bool:
    return abs((a - b).total_seconds()) <= STORY_WINDOW


def reindex(db: Database, after: int = 0, batch: int = 500) -> int:
    """Index the originals stored before the near-copy and story indexes existed (an
    archive migrated to m007): their band keys, and the story features of those still in
    the window. Idempotent; commits every ``batch`` articles; returns how many it read.
    Copies of them stored from now on are then found; existing articles keep their place.
    """
    done = 0
    while True:
        rows = db.execute(
            "select id, text, language, published, fetched, story_id from articles"
            " where id > ? and duplicate_of is null order by id limit ?",
            [after, batch],
        ).fetchall()
        if not rows:
            return done
        newest = rows[-1][4]
        start = window_start(db, newest) or rows[-1][0]
        with db.conn:
            for article_id, text, language, published, fetched, story_id in rows:
                fp = fingerprint(text or "")
                db.conn.executemany(
                    "insert or ignore into near_copy_bands (key, article_id) values (?, ?)",
                    [(key, article_id) for key in fp.bands],
                )
                if article_id >= start:
                    seen = seen_time(published, fetched)
                    _index(db, article_id, story_id or article_id, fp, language, seen)
        done += len(rows)
        after = int(rows[-1][0])
