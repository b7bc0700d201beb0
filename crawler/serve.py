"""`newsmon serve`: the archive in Datasette, read-only, on 127.0.0.1.

Datasette gives the pages, facets, the JSON API, CSV downloads and full-text search
over SQLite with no web code of ours; this module only describes the archive to it
(metadata: titles, descriptions, facets, canned queries) and lends it newsmon's search
as SQL functions (a plugin registered in-process), so the web page finds every form of
a word as ``newsmon query`` does.
"""

from __future__ import annotations

import functools
import sqlite3
import sys
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm
from markupsafe import Markup, escape

from crawler.errors import InputError

HOST = "127.0.0.1"  # never another interface: the archive holds subscribers' addresses

ARTICLE_COLUMNS = {
    "id": "Article number (newsmon show ID)",
    "url": "Where it was fetched from, after redirects",
    "canonical_url": "The page's rel=canonical, else url",
    "source": "The configured source it came from",
    "title": "Headline",
    "text": "Main text, without the page's boilerplate",
    "author": "Byline as the page gives it",
    "published": "Publication time as the page gives it (ISO 8601, the page's zone)",
    "description": "The page's description",
    "tags": "The page's tags (JSON list)",
    "sitename": "Site name as the page gives it",
    "fetched": "When newsmon fetched it (UTC)",
    "language": "uk, ru, en or other, detected from the text",
    "language_score": "Confidence of the language (0-1)",
    "content_hash": "Hash of the words of the text: equal for copies",
    "duplicate_of": "For a copy of an article under another URL: the first copy's id",
    "encoding": "Character encoding of the page",
}
VERDICT_COLUMNS = {
    "article_id": "The article",
    "topic": "The topic (captivity)",
    "flag": "1 if the article is about the topic or names a watchlist person",
    "score": "0-1; 0.5 and above flags",
    "categories": "Categories of the evidence, most first (JSON list)",
    "evidence": "Each match: term, category, sentence, offsets (JSON list)",
    "watchlist": "Watchlist names found (JSON list)",
    "vocabulary": "Hash of the vocabulary it was made with",
    "classified": "When the verdict was made (UTC)",
}
_REPORT_COLUMNS = (
    "a.id, a.published, a.source, a.language, a.title, v.score, v.categories, v.watchlist, a.url"
)
# Flagged originals fetched in the last N days: an id range (ids grow with fetched).
_RECENT = (
    " and a.id >= coalesce((select id from articles where fetched >="
    " strftime('%Y-%m-%dT%H:%M:%S', 'now', '-{days} days') order by fetched limit 1),"
    " (select coalesce(max(id), 0) + 1 from articles))"
)
CANNED = {
    "search": {
        "title": "Search: every form of the words",
        "description": "As newsmon query: полонені finds полонених and військовополонених; "
        '"quoted phrases", AND, OR, NOT, полон* (see newsmon query --help). Newest first.',
        "sql": "select a.id, a.published, a.source, a.language,"
        " newsmon_mark(a.title, a.language, :q) as title,"
        " newsmon_snippet(a.text, a.language, :q) as snippet, a.url"
        " from articles_words w join articles a on a.id = w.rowid"
        " where articles_words match newsmon_match(:q) and a.duplicate_of is null"
        " order by w.rowid desc limit 200",
    },
    "flagged_last_7_days": {
        "title": "Flagged reports of the last 7 days",
        "description": "Originals flagged by a topic, fetched in the last 7 days, newest first.",
        "sql": f"select {_REPORT_COLUMNS} from articles a join verdicts v on v.article_id = a.id"
        " where v.flag = 1 and a.duplicate_of is null"
        + _RECENT.format(days=7)
        + " order by a.id desc",
    },
    "flagged_by_category": {
        "title": "Flagged reports by category",
        "description": "Originals flagged with a category: pow, exchange, political_prisoner, "
        "civilian_hostage, deported_children, missing, torture. Newest first, 500 at most.",
        "sql": f"select {_REPORT_COLUMNS} from articles a join verdicts v on v.article_id = a.id"
        " where v.flag = 1 and a.duplicate_of is null"
        " and exists (select 1 from json_each(v.categories) where value = :category)"
        " order by a.id desc limit 500",
    },
    "by_watchlist_name": {
        "title": "Reports naming a watchlist person",
        "description": "Articles naming a [watchlist] person whose listed name contains "
        "the text given (e.g. the surname; capitals matter for Cyrillic). Newest first.",
        "sql": f"select {_REPORT_COLUMNS} from articles a join verdicts v on v.article_id = a.id"
        " where v.flag = 1 and exists (select 1 from json_each(v.watchlist)"
        " where value like '%' || :name || '%') order by a.id desc limit 500",
    },
}


def metadata(path: Path) -> dict[str, Any]:
    """Datasette metadata for the archive at ``path``."""
    tables: dict[str, Any] = {
        "articles": {
            "description": "Every archived article once; copies under another URL point "
            "to the first (duplicate_of). The search box finds exact word forms (use "
            "полон* for prefixes); the search query below finds every form.",
            "columns": ARTICLE_COLUMNS,
            "facets": ["source", "language"],
            "sort_desc": "id",
            "label_column": "title",
            "fts_table": "articles_fts",
            "fts_pk": "id",
        },
        "verdicts": {
            "description": "One verdict per article and topic.",
            "columns": VERDICT_COLUMNS,
            "facets": ["topic", "flag", {"array": "categories"}, {"array": "watchlist"}],
            "sort_desc": "article_id",
        },
        "flagged_reports": {
            "description": "Flagged originals with their topic, score, categories and "
            "watchlist names.",
            "columns": {
                **{k: ARTICLE_COLUMNS[k] for k in ("id", "published", "source", "language")},
                **{k: VERDICT_COLUMNS[k] for k in ("topic", "score", "categories", "watchlist")},
            },
            "facets": [
                "source",
                "language",
                {"array": "categories"},
                {"array": "watchlist"},
            ],
            "sort_desc": "id",
            "label_column": "title",
        },
        "urls": {"description": "Every URL met: pending, stored, skipped or failed, with why."},
        "crawl_runs": {"description": "One row per source and crawl: counts and errors."},
        "feed_state": {"description": "Per feed, sitemap and listing: HTTP validators."},
        "source_health": {"description": "Each source's health as last reported."},
        # Alert messages and subscribers' addresses are not for browsing.
        "outbox": {"hidden": True},
        "alerted": {"hidden": True},
        "articles_words": {"hidden": True},
        "word_compounds": {"hidden": True},
        "index_backfill": {"hidden": True},
    }
    return {
        "title": "newsmon archive",
        "description": "Articles from Ukrainian news sites and their captivity verdicts, "
        "read-only.",
        "databases": {path.stem: {"tables": tables, "queries": CANNED}},
    }


SETTINGS = {
    # Facets and counts over a million rows take longer than Datasette's defaults allow.
    "facet_time_limit_ms": 1500,
    "sql_time_limit_ms": 5000,
    "truncate_cells_html": 300,
    "default_page_size": 50,
    # Suggesting facets tries every column: seconds on a million articles, for little.
    "suggest_facets": False,
    "allow_download": False,  # a whole multi-gigabyte archive is newsmon export's job
}


def register_functions(conn: sqlite3.Connection) -> None:
    """newsmon_match(q), newsmon_snippet(text, language, q), newsmon_mark(title, language, q)."""
    compiled = functools.lru_cache(maxsize=64)(functools.partial(_compile, conn))

    def match(q: str | None) -> str:
        return compiled(q or "").expression

    def snippet_of(text: str | None, language: str | None, q: str | None) -> str:
        from crawler.query import snippet

        return snippet(text or "", language, compiled(q or "").marks)

    def mark_of(text: str | None, language: str | None, q: str | None) -> str:
        from crawler.query import mark, matched_spans

        value = text or ""
        return mark(value, matched_spans(value, language, compiled(q or "").marks))

    conn.create_function("newsmon_match", 1, match)
    conn.create_function("newsmon_snippet", 3, snippet_of)
    conn.create_function("newsmon_mark", 3, mark_of)


def _compile(conn: sqlite3.Connection, q: str) -> Any:
    from crawler.search import compile_text

    compiled = compile_text(conn, q)
    if compiled is None:
        raise InputError("the query has no words to search for")
    return compiled


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Datasette hook: every connection it opens gets newsmon's search functions."""
    register_functions(conn)


@hookimpl
def render_cell(value: Any, column: str) -> Any:
    """Datasette hook: the [[marks]] of search results as <mark> in the page."""
    if column not in ("snippet", "title") or not isinstance(value, str) or "[[" not in value:
        return None
    html = str(escape(value)).replace("[[", "<mark>").replace("]]", "</mark>")
    return Markup(html)


def app(path: Path) -> Any:
    """The Datasette instance for the archive at ``path``, read-only (mode=ro)."""
    if pm.get_plugin("newsmon") is None:
        pm.register(sys.modules[__name__], name="newsmon")
    # files= (not immutables=): opened with mode=ro, so pages see what the daemon writes.
    return Datasette([str(path)], metadata=metadata(path), settings=SETTINGS)


def serve(path: Path, port: int) -> None:
    """Run the web page until interrupted."""
    import asyncio

    import uvicorn

    datasette = app(path)
    asyncio.run(datasette.invoke_startup())
    print(f"newsmon archive {path} at http://{HOST}:{port}/ (Ctrl-C stops)", flush=True)
    uvicorn.run(datasette.app(), host=HOST, port=port, log_level="warning")
