"""Reading copies and stories back: an article's copies, its story, one row per story.

For ``newsmon show`` and ``newsmon query --collapse``: plain functions over an open
archive (``Archive`` or its ``Database``), returning plain data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database


@dataclass(frozen=True)
class Member:
    """One article of a story (or a copy of one), with why it belongs there."""

    id: int
    source: str
    url: str
    title: str
    language: str
    published: str | None
    fetched: str
    duplicate_of: int | None
    kind: str | None  # copy | near_copy | story; None for the story's first article
    other_id: int | None  # the article it matched
    similarity: float | None  # shingle Jaccard for copies, word-stem Jaccard for stories
    reason: str | None  # e.g. "word 5-gram Jaccard 0.82", "words 0.31; shares 95, 20.11"


@dataclass(frozen=True)
class StoryRow:
    """One story, collapsed: its first article and how far it spread."""

    story_id: int
    title: str
    url: str
    source: str
    first_fetched: str
    last_fetched: str
    articles: int
    outlets: int  # distinct sources
    copies: int  # articles that are copies (exact or near) of another


_MEMBER = """
select a.id, a.source, coalesce(a.canonical_url, a.url), coalesce(a.title, ''),
  coalesce(a.language, ''), a.published, a.fetched, a.duplicate_of,
  m.kind, m.other_id, m.similarity, m.reason
from articles a left join matches m on m.article_id = a.id
"""


def _db(archive: Any) -> Database:
    return archive if isinstance(archive, Database) else archive.db


def duplicates_of(archive: Any, article_id: int) -> list[Member]:
    """The copies (exact and near) of ``article_id``'s original, oldest first; the
    original itself is not among them. Works for an original and for a copy alike."""
    db = _db(archive)
    row = db.execute(
        "select coalesce(duplicate_of, id) from articles where id = ?", [article_id]
    ).fetchone()
    if row is None:
        return []
    rows = db.execute(f"{_MEMBER} where a.duplicate_of = ? order by a.id", [row[0]]).fetchall()
    return [Member(*r) for r in rows]


def story_of(archive: Any, article_id: int) -> list[Member]:
    """Every article of ``article_id``'s story (itself included), first report first;
    [] for an unknown article."""
    db = _db(archive)
    row = db.execute(
        "select coalesce(story_id, duplicate_of, id) from articles where id = ?", [article_id]
    ).fetchone()
    if row is None:
        return []
    rows = db.execute(f"{_MEMBER} where a.story_id = ? order by a.id", [row[0]]).fetchall()
    return [Member(*r) for r in rows] or [Member(*_one(db, article_id))]


def _one(db: Database, article_id: int) -> Sequence[Any]:
    return db.execute(f"{_MEMBER} where a.id = ?", [article_id]).fetchone()


def collapse(archive: Any, article_ids: Sequence[int]) -> list[StoryRow]:
    """One row per story of ``article_ids`` (e.g. a query's hits), in the order of each
    story's first hit, with the story's whole count of articles and outlets (not only
    those among the hits)."""
    db = _db(archive)
    hits = list(dict.fromkeys(article_ids))
    position = {article_id: i for i, article_id in enumerate(hits)}
    order: dict[int, int] = {}
    for chunk in _chunks(hits, 500):
        marks = ",".join("?" * len(chunk))
        for article_id, story_id in db.execute(
            f"select id, coalesce(story_id, duplicate_of, id) from articles where id in ({marks})",
            chunk,
        ):
            order[story_id] = min(order.get(story_id, len(hits)), position[article_id])
    stories = sorted(order, key=order.__getitem__)
    return [_story_row(db, story_id) for story_id in stories]


def _story_row(db: Database, story_id: int) -> StoryRow:
    counts = db.execute(
        "select count(*), count(distinct source), count(duplicate_of), min(fetched), max(fetched)"
        " from articles where story_id = ?",
        [story_id],
    ).fetchone()
    first = db.execute(
        "select coalesce(title, ''), coalesce(canonical_url, url), source, fetched from articles"
        " where id = ?",
        [story_id],
    ).fetchone()
    articles, outlets, copies, first_fetched, last_fetched = counts
    if not articles:  # an archive from before stories (no story_id): the article alone
        articles, outlets, copies, first_fetched, last_fetched = 1, 1, 0, first[3], first[3]
    return StoryRow(
        story_id,
        first[0],
        first[1],
        first[2],
        first_fetched,
        last_fetched,
        articles,
        outlets,
        copies,
    )


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def alerted_marks(
    archive: Any, subscriber: str, story_ids: Sequence[int], topic: str
) -> dict[int, tuple[set[str], set[str]]]:
    """For each of ``story_ids`` already alerted to ``subscriber``: the categories and
    watchlist names of the ``topic`` verdicts of the articles it was alerted to."""
    db = _db(archive)
    marks: dict[int, tuple[set[str], set[str]]] = {}
    for chunk in _chunks(list(dict.fromkeys(story_ids)), 500):
        places = ",".join("?" * len(chunk))
        rows = db.execute(
            "select a.story_id, v.categories, v.watchlist from alerted al"
            " join articles a on a.id = al.article_id"
            " left join verdicts v on v.article_id = a.id and v.topic = ?"
            f" where al.subscriber = ? and a.story_id in ({places})",
            [topic, subscriber, *chunk],
        )
        for story_id, categories, watchlist in rows:
            seen = marks.setdefault(int(story_id), (set(), set()))
            seen[0].update(json.loads(categories or "[]"))
            seen[1].update(json.loads(watchlist or "[]"))
    return marks
