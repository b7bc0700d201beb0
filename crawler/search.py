"""Search the archive: a query and filters in, hits with marked snippets out.

The one place the query language (crawler/query.py) meets the archive's SQL
(storage/search.py); the CLI, the web page's search and the benchmark all come here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crawler.config import parse_duration
from crawler.errors import InputError
from crawler.query import Compiled, compile_query, mark, matched_spans, parse, snippet
from storage.search import Filters, Search, Sort, compounds, find


@dataclass(frozen=True)
class Hits:
    """What a search found, and how to mark it."""

    rows: Iterator[dict[str, Any]]
    compiled: Compiled | None


def compile_text(
    conn: sqlite3.Connection, text: str | None, languages: tuple[str, ...] = ()
) -> Compiled | None:
    """The FTS5 expression of a query text (None for no text); InputError if malformed."""
    if text is None or not text.strip():
        return None
    return compile_query(parse(text), lambda lemmas: compounds(conn, lemmas), languages)


def search(
    conn: sqlite3.Connection,
    text: str | None,
    filters: Filters,
    *,
    sort: Sort = "newest",
    limit: int | None = 20,
    snippets: bool = True,
    marker: tuple[str, str] = ("[[", "]]"),
) -> Hits:
    """The articles matching ``text`` (see crawler/query.py) and ``filters``; with
    ``snippets`` each hit has a marked ``title`` and a ``snippet`` of its text."""
    compiled = compile_text(conn, text, filters.languages)
    query = Search(
        match=compiled.expression if compiled else None,
        filters=filters,
        sort=sort,
        limit=limit,
        with_text=snippets,
    )
    rows = find(conn, query)
    if snippets:
        rows = _with_snippets(rows, compiled, marker)
    return Hits(rows, compiled)


def _with_snippets(
    rows: Iterator[dict[str, Any]], compiled: Compiled | None, marker: tuple[str, str]
) -> Iterator[dict[str, Any]]:
    for row in rows:
        text = row.pop("text") or ""
        if compiled is None:
            row["snippet"] = " ".join(text.split()[:30])
        else:
            title = row["title"] or ""
            spans = matched_spans(title, row["language"], compiled.marks)
            row["title"] = mark(title, spans, marker)
            row["snippet"] = snippet(text, row["language"], compiled.marks, marker=marker)
        yield row


def parse_time(value: str, *, end: bool = False) -> str:
    """A --since/--until value as the ISO string stored times compare with.

    A date (2026-11-20), a date and time (2026-11-20T08:00, UTC unless a zone is given)
    or an age (7d, 12h: that long ago). With ``end`` a bare date means the end of that
    day: --until 2026-11-20 takes in the whole 20th.
    """
    text = value.strip()
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is not None:
        return (day + timedelta(days=1) if end else day).isoformat()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.now(UTC) - timedelta(seconds=parse_duration(text))
        except ValueError:
            raise InputError(
                f"{value!r} is not a date (2026-11-20), a date and time (2026-11-20T08:00)"
                " or an age (7d)"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")
