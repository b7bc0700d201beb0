"""Reading the archive for query, export, show and stats: filters become parameterised SQL.

Every value a user gives travels as an SQL parameter; the FTS5 expression is built by
crawler/query.py from parsed words, each a quoted token, and is itself a parameter.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
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

    def where(self, key: str = "a.id") -> tuple[list[str], list[Any]]:
        """SQL conditions on ``articles a`` (whose id is ``key``) and their parameters."""
        by_id, by_id_params = self.by_id(key, copies_by_id=False)
        by_row, by_row_params = self.by_row(copies=True)
        return by_id + by_row, by_id_params + by_row_params

    def by_id(self, key: str, copies_by_id: bool) -> tuple[list[str], list[Any]]:
        """The conditions that need only the article's id (``key``), never its row: a
        search checks them against the full-text index alone. An article's row holds its
        text, and the columns stored after it (duplicate_of, language, …) are read through
        the text's overflow pages: costly for the hundred thousand hits of a common word.
        ``copies_by_id`` hides copies here, by a set of their ids built from their index
        (about 15 ms on a million articles): worth it only when every hit is looked at."""
        clauses: list[str] = []
        params: list[Any] = []
        if copies_by_id and not self.duplicates:
            clauses.append(f"{key} not in (select id from articles where duplicate_of is not null)")
        verdicts = self._verdicts(key)
        if verdicts:
            clauses.append(verdicts[0])
            params += verdicts[1]
        return clauses, params

    def by_row(self, copies: bool) -> tuple[list[str], list[Any]]:
        """The conditions on the article's own columns (with ``copies``, hiding copies)."""
        clauses: list[str] = []
        params: list[Any] = []
        if copies and not self.duplicates:
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
        return clauses, params

    def _verdicts(self, key: str) -> tuple[str, list[Any]] | None:
        joins: list[str] = []
        conditions = [f"v.article_id = {key}"]
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
    """How many articles match (the limit aside)."""
    since = first_id(conn, search.filters.since)
    by_row, _ = search.filters.by_row(copies=False)
    if search.match is not None and not by_row:
        # the full-text index alone: no article row is read
        where, params = _by_id(search, "w.rowid", since, copies_by_id=True)
        sql = f"select count(*) from articles_words w where {where}"
        return int(conn.execute(sql, params).fetchone()[0])
    bare = Search(search.match, search.filters, "newest", None, False, ("id",))
    sql, params = _select(bare, since)
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


def _by_id(
    search: Search, key: str, min_id: int | None, copies_by_id: bool
) -> tuple[str, list[Any]]:
    """The FTS match (when searching) and the id-only conditions, on ``key``."""
    clauses, params = search.filters.by_id(key, copies_by_id)
    if search.match is not None:
        clauses.insert(0, "articles_words match ?")
        params.insert(0, search.match)
    if min_id is not None:
        clauses.append(f"{key} >= ?")
        params.append(min_id)
    return " and ".join(clauses) or "1", params


def _select(search: Search, min_id: int | None = None) -> tuple[str, list[Any]]:
    columns = list(dict.fromkeys([*search.columns, "language"]))
    if search.with_text and "text" not in columns:
        columns.append("text")
    selected = ", ".join(f"a.{c}" for c in columns)
    # Every hit is looked at when ranking or sorting by publication: copies by id then.
    ranked = search.match is not None and search.sort in ("relevance", "published")
    by_row, row_params = search.filters.by_row(copies=not ranked)
    if search.match is None:
        where, params = _by_id(search, "a.id", min_id, copies_by_id=False)
        where = " and ".join([where, *by_row])
        orders = {"oldest": "a.id asc", "published": _PUBLISHED.format(key="a.id")}
        sql = f"select {selected} from articles a where {where}"
        sql += f" order by {orders.get(search.sort, 'a.id desc')}"
        return _limited(sql, [*params, *row_params], search.limit)
    # Searching: the full-text index and the id-only conditions choose, in an inner query;
    # article rows are read only for its hits (and, with no other condition, only for the
    # ones shown: FTS5 walks its index in rowid order, and ranks by BM25 without the rows).
    where, params = _by_id(search, "w.rowid", min_id, copies_by_id=ranked)
    rank = f", {_BM25} as rank" if search.sort == "relevance" else ""
    inner = f"select w.rowid as rid{rank} from articles_words w where {where}"
    order = {
        "newest": "rid desc",
        "oldest": "rid asc",
        "relevance": "rank, rid desc",
        "published": _PUBLISHED.format(key="rid"),
    }[search.sort]
    if not by_row and search.sort != "published" and search.limit is not None:
        inner += f" order by {order} limit ?"
        params.append(search.limit)
    sql = f"select {selected} from ({inner}) join articles a on a.id = rid"
    if by_row:
        sql += " where " + " and ".join(by_row)
    return _limited(f"{sql} order by {order}", [*params, *row_params], search.limit)


_PUBLISHED = "coalesce(a.published, a.fetched) desc, {key} desc"


def _limited(sql: str, params: list[Any], limit: int | None) -> tuple[str, list[Any]]:
    if limit is None:
        return sql, params
    return f"{sql} limit ?", [*params, limit]


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
    clauses, params = replace(filters, duplicates=True).where()
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
