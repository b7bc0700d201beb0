"""Near copies and stories in the archive: the index tables and the checks.

Called by ``Archive.store`` inside the transaction that stores an article, so an article
is never stored without its place (copy of which article, member of which story) nor
indexed without being stored. The features come from crawler/fingerprint.py, computed in
the extraction workers.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from crawler.fingerprint import (
    COMMON_FLOOR,
    COMMON_SHARE,
    NEAR_COPY,
    STORY_WINDOW,
    Fingerprint,
    StoryMatch,
    StoryView,
    jaccard,
    pack_stems,
    same_story,
    shingles,
    unpack_stems,
)

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
        _prune(db, view.get("fetched"))
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
    article reports too, or None."""
    if not fp.anchors:
        return None
    start = window_start(db, fetched)
    if start is None:
        return None
    common, shared = _postings(db, fp.anchors, start)
    view = StoryView(language, frozenset(fp.anchors), frozenset(fp.stems))
    when = _moment(seen or fetched)
    best: tuple[int, int, StoryMatch] | None = None
    for other in sorted(shared, key=lambda a: (-shared[a], -a))[:STORY_CANDIDATES]:
        row = db.execute(
            "select story_id, language, seen, anchors, stems from story_features"
            " where article_id = ?",
            [other],
        ).fetchone()
        if row is None or not _close(when, _moment(row[2])):
            continue
        old = StoryView(
            row[1] or "", frozenset(json.loads(row[3] or "[]")), frozenset(unpack_stems(row[4]))
        )
        match = same_story(view, old, common)
        if match is not None and (best is None or match.score > best[2].score):
            best = (other, int(row[0]), match)
    return best


def _postings(
    db: Database, anchors: tuple[str, ...], start: int
) -> tuple[frozenset[str], Counter[int]]:
    """Anchors too common in the window to tell stories apart, and for every indexed
    article of the window the number of the other anchors it shares."""
    size = db.execute(
        "select count(*) from story_features where article_id >= ?", [start]
    ).fetchone()[0]
    cap = int(max(COMMON_FLOOR, COMMON_SHARE * size))
    common: set[str] = set()
    shared: Counter[int] = Counter()
    for anchor in anchors:
        # At most cap + 1 rows: the cost of a common anchor is bounded, whatever its count.
        ids = db.execute(
            "select article_id from story_anchors where anchor = ? and article_id >= ? limit ?",
            [anchor, start, cap + 1],
        ).fetchall()
        if len(ids) > cap:
            common.add(anchor)
        else:
            shared.update(int(i) for (i,) in ids)
    return frozenset(common), shared


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


def _prune(db: Database, fetched: str | None) -> None:
    """Forget the story features of articles that left the window."""
    start = window_start(db, fetched) if fetched else None
    if start is not None:
        db.execute("delete from story_anchors where article_id < ?", [start])
        db.execute("delete from story_features where article_id < ?", [start])


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
