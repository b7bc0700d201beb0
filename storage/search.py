"""Reading the archive for query, export, show and stats: filters become parameterised SQL.

Every value a user gives travels as an SQL parameter; the FTS5 expression is built by
crawler/query.py from parsed words, each a quoted token, and is itself a parameter.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

Sort = Literal["newest", "oldest", "published", "relevance"]
SORTS: tuple[Sort, ...] = ("newest", "oldest", "published", "relevance")

# What a hit carries; text only when asked (snippets, export).
COLUMNS = (
    "id",
    "url",
    "source",
    "language",
    "published",
    "fetched",
    "title",
    "duplicate_of",
)
EXPORT_COLUMNS = (
    *COLUMNS,
    "canonical_url",
    "author",
    "description",
    "tags",
    "sitename",
    "language_score",
    "text",
)
# The title counts three times as much as the text for --sort relevance.
_BM25 = "bm25(articles_words, 3.0, 1.0)"


@dataclass(frozen=True)
class Filters:
    """Which articles: each field narrows; the defaults let every original through."""

    flagged: bool = False
    categories: tuple[str, ...] = ()  # of a flagged verdict
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: str | None = None  # ISO 8601, inclusive: published (fetched when unknown)
    until: str | None = None  # ISO 8601, exclusive
    watchlist: tuple[str, ...] | None = None  # None: any article; (): a watchlist name; names
    duplicates: bool = False  # also copies of an article under another URL

    def where(self) -> tuple[list[str], list[Any]]:
        """SQL conditions on ``articles a`` and their parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        if not self.duplicates:
            # unary +: never the duplicate_of index, which nearly every row matches
            clauses.append("+a.duplicate_of is null")
        if self.languages:
            clauses.append(f"a.language in ({_marks(self.languages)})")
            params += self.languages
        if self.sources:
            clauses.append(f"a.source in ({_marks(self.sources)})")
            params += self.sources
        # published as the page gives it (its own zone), else the time it was fetched
        if self.since is not None:
            clauses.append("(a.published >= ? or (a.published is null and a.fetched >= ?))")
            params += [self.since, self.since]
        if self.until is not None:
            clauses.append("(a.published < ? or (a.published is null and a.fetched < ?))")
            params += [self.until, self.until]
        verdicts = self._verdicts()
        if verdicts:
            clauses.append(verdicts[0])
            params += verdicts[1]
        return clauses, params

    def _verdicts(self) -> tuple[str, list[Any]] | None:
        joins: list[str] = []
        conditions = ["v.article_id = a.id"]
        params: list[Any] = []
        if self.flagged or self.categories:
            conditions.append("v.flag = 1")
        if self.categories:
            joins.append("json_each(v.categories) c")
            conditions.append(f"c.value in ({_marks(self.categories)})")
            params += self.categories
        if self.watchlist is not None:
            joins.append("json_each(v.watchlist) w")
            if self.watchlist:
                conditions.append(f"w.value in ({_marks(self.watchlist)})")
                params += self.watchlist
        if len(conditions) == 1 and not joins:
            return None  # a join alone already filters: json_each of [] has no row
        tables = ", ".join(["verdicts v", *joins])
        return f"exists (select 1 from {tables} where {' and '.join(conditions)})", params


@dataclass(frozen=True)
class Search:
    """A search: an FTS5 expression over the word index (or None: filters only)."""

    match: str | None = None
    filters: Filters = field(default_factory=Filters)
    sort: Sort = "newest"
    limit: int | None = 20
    with_text: bool = False
    columns: tuple[str, ...] = COLUMNS


def find(conn: sqlite3.Connection, search: Search) -> Iterator[dict[str, Any]]:
    """The matching articles, each with a summary of its verdicts, in ``search.sort`` order.

    Streams: rows are read and completed with their verdicts a batch at a time, so an
    export of the whole archive runs in constant memory.
    """
    sql, params = _select(search, first_id(conn, search.filters.since))
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(500):
        rows = [dict(zip(names, row, strict=True)) for row in batch]
        summaries = verdict_summaries(conn, [r["id"] for r in rows])
        for row in rows:
            row.update(summaries.get(row["id"], _NO_VERDICT))
            yield row


def count(conn: sqlite3.Connection, search: Search) -> int:
    bare = Search(search.match, search.filters, "newest", None, False, ("id",))
    sql, params = _select(bare, first_id(conn, search.filters.since))
    return int(conn.execute(f"select count(*) from ({sql})", params).fetchone()[0])


def first_id(conn: sqlite3.Connection, since: str | None) -> int | None:
    """The lowest id an article published since ``since`` can have: ids grow with the
    time an article was fetched, and no page is fetched before it was published (a day
    of grace for time zones and clocks). Turns "since" into an id range, which both the
    table and the FTS index walk without reading older rows."""
    if since is None:
        return None
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    grace = (moment - timedelta(days=1)).astimezone(UTC).isoformat(timespec="seconds")
    row = conn.execute(
        "select coalesce((select id from articles where fetched >= ? order by fetched limit 1),"
        " (select coalesce(max(id), 0) + 1 from articles))",
        [grace],
    ).fetchone()
    return int(row[0])


def _select(search: Search, min_id: int | None = None) -> tuple[str, list[Any]]:
    columns = list(search.columns)
    if search.with_text and "text" not in columns:
        columns.append("text")
    if "language" not in columns:
        columns.append("language")
    clauses, params = search.filters.where()
    selected = ", ".join(f"a.{c}" for c in columns)
    if search.match is not None:
        source = "articles_words w join articles a on a.id = w.rowid"
        clauses.insert(0, "articles_words match ?")
        params.insert(0, search.match)
        key = "w.rowid"  # FTS5 walks its index in rowid order: no sort for newest/oldest
    else:
        source, key = "articles a", "a.id"
    if min_id is not None:
        clauses.append(f"{key} >= ?")
        params.append(min_id)
    order = {
        "newest": f"{key} desc",
        "oldest": f"{key} asc",
        "published": f"coalesce(a.published, a.fetched) desc, {key} desc",
        "relevance": f"{_BM25}, {key} desc" if search.match is not None else f"{key} desc",
    }[search.sort]
    where = " and ".join(clauses) or "1"
    sql = f"select {selected} from {source} where {where} order by {order}"
    if search.limit is not None:
        sql += " limit ?"
        params.append(search.limit)
    return sql, params


_NO_VERDICT: dict[str, Any] = {
    "flagged": None,
    "score": None,
    "topics": [],
    "categories": [],
    "watchlist": [],
}


def verdict_summaries(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per article: flagged by any topic, the highest score, the flagged topics, and the
    categories and watchlist names of those topics."""
    out: dict[int, dict[str, Any]] = {}
    if not ids:
        return out
    rows = conn.execute(
        "select article_id, topic, flag, score, categories, watchlist from verdicts"
        f" where article_id in ({_marks(ids)}) order by article_id, topic",
        list(ids),
    )
    for article_id, topic, flag, score, categories, watchlist in rows:
        summary = out.setdefault(article_id, {**_NO_VERDICT, "flagged": False, "topics": []})
        summary["score"] = max(summary["score"] or 0.0, score)
        if flag:
            summary["flagged"] = True
            summary["topics"] = [*summary["topics"], topic]
            summary["categories"] = _union(summary["categories"], json.loads(categories or "[]"))
            summary["watchlist"] = _union(summary["watchlist"], json.loads(watchlist or "[]"))
    return out


def _union(a: list[str], b: list[str]) -> list[str]:
    return list(dict.fromkeys([*a, *b]))


def compounds(conn: sqlite3.Connection, lemmas: Iterable[str]) -> frozenset[str]:
    """Tokens of the archived compounds whose last part is one of ``lemmas``."""
    wanted = sorted(set(lemmas))
    if not wanted:
        return frozenset()
    rows = conn.execute(
        f"select token from word_compounds where head in ({_marks(wanted)})", wanted
    )
    return frozenset(row[0] for row in rows)


def unindexed(conn: sqlite3.Connection) -> int:
    """Articles stored before the word index existed and not yet added to it."""
    row = conn.execute(
        "select count(*) from articles, index_backfill where id >= next_id and id < end_id"
    ).fetchone()
    return int(row[0])


# ----------------------------------------------------------------------------- one article


def article_id(conn: sqlite3.Connection, key: str, canonical: str | None = None) -> int | None:
    """The id of the article ``key`` names: its id, or a URL it was found under."""
    if key.isdigit():
        row = conn.execute("select id from articles where id = ?", [int(key)]).fetchone()
        return None if row is None else int(row[0])
    for url in dict.fromkeys([key, canonical or key]):
        row = conn.execute(
            "select id from articles where canonical_url = ? or url = ?"
            " union all select article_id from urls where url = ? and article_id is not null"
            " limit 1",
            [url, url, url],
        ).fetchone()
        if row is not None:
            return int(row[0])
    return None


def article(conn: sqlite3.Connection, ident: int) -> dict[str, Any]:
    """Every column of one article, tags decoded, with its verdicts by topic."""
    cursor = conn.execute("select * from articles where id = ?", [ident])
    names = [d[0] for d in cursor.description]
    record = dict(zip(names, cursor.fetchone(), strict=True))
    record["tags"] = json.loads(record.get("tags") or "[]")
    verdicts = conn.execute(
        "select topic, flag, score, categories, evidence, watchlist, vocabulary, classified"
        " from verdicts where article_id = ? order by topic",
        [ident],
    )
    record["verdicts"] = {
        topic: {
            "flag": bool(flag),
            "score": score,
            "categories": json.loads(categories or "[]"),
            "evidence": json.loads(evidence or "[]"),
            "watchlist": json.loads(watchlist or "[]"),
            "vocabulary": vocabulary,
            "classified": classified,
        }
        for topic, flag, score, categories, evidence, watchlist, vocabulary, classified in verdicts
    }
    return record


# ----------------------------------------------------------------------------- stats


@dataclass
class Stats:
    """Counts of articles, duplicates and flagged originals, in total and by group."""

    total: Counter[str] = field(default_factory=Counter)
    by_source: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_language: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_period: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def stats(conn: sqlite3.Connection, filters: Filters, period: int = 10) -> Stats:
    """Articles, duplicates and flagged articles per source, language and period (the
    first ``period`` characters of the publication date: 10 a day, 7 a month).

    One pass over the matching articles, grouped by SQLite; duplicates are counted apart,
    and flagged counts only originals, so a story copied by ten outlets flags once.
    """
    clauses, params = Filters(**{**filters.__dict__, "duplicates": True}).where()
    sql = (
        f"select a.source, a.language, substr(coalesce(a.published, a.fetched), 1, {period}),"
        " count(*), count(a.duplicate_of),"
        " sum(a.duplicate_of is null and a.id in"
        " (select article_id from verdicts where flag = 1))"
        f" from articles a where {' and '.join(clauses) or '1'} group by 1, 2, 3"
    )
    result = Stats()
    for source, language, day, articles, duplicates, flagged in conn.execute(sql, params):
        counts = Counter(articles=articles, duplicates=duplicates, flagged=flagged or 0)
        for group in (
            result.total,
            result.by_source[source],
            result.by_language[language or "?"],
            result.by_period[day or "?"],
        ):
            group.update(counts)
    return result


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))
