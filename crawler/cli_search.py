"""The archive's read commands: query, show, export, stats and serve (thin click adapters).

Registered on the ``newsmon`` group by crawler/cli.py. The search itself is
crawler/search.py; the SQL is storage/search.py.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import click

from crawler.errors import InputError, StorageError

SYNTAX = """\b
Search syntax (case does not matter; ' ’ ʼ are one apostrophe):
  полонені                  every form of the word: полонених, полоненими, …,
                            and compounds ending in it: військовополонених
  обмін полонені            both words, anywhere (AND is implied)
  "обмін полоненими"        these words in this order, in any of their forms
  Шумков OR Шумкова         either;  полонені NOT футбол: the first without the second
  (обмін OR звільнення) AND полонені
  полон*                    words whose dictionary form begins with полон
                            (полон, полонений, полонити, …)
AND, OR, NOT are operators only in capitals.
\b
How forms are found: each word is indexed under its dictionary form(s), by the
uk and ru dictionaries of pymorphy3 (English words by their stem). A query word
finds the forms of its own dictionary word(s), so words that merely share a
root are not found (полон does not find полонених: use полон*). A compound is
found by its last part when that is a dictionary word. A Cyrillic word spelled
alike in Ukrainian and Russian is looked up in both unless --lang narrows it."""


def filter_options(*, duplicates: bool = True) -> Callable[[Any], Any]:
    """The filters shared by query, export and stats."""

    def decorate(command: Any) -> Any:
        options = [
            click.option("--flagged", is_flag=True, help="Only articles flagged by a topic."),
            click.option(
                "--category",
                "categories",
                metavar="NAME",
                multiple=True,
                help="Only articles flagged with this category (pow, exchange, "
                "political_prisoner, civilian_hostage, deported_children, missing, "
                "torture); repeatable: any of them.",
            ),
            click.option(
                "--lang",
                "languages",
                type=click.Choice(["uk", "ru", "en", "other"]),
                multiple=True,
                help="Only articles in this language; repeatable.",
            ),
            click.option(
                "--source",
                "sources",
                metavar="NAME",
                multiple=True,
                help="Only articles of this source; repeatable.",
            ),
            click.option(
                "--since",
                metavar="WHEN",
                help="Published at or after WHEN: 2026-11-20, 2026-11-20T08:00 (UTC "
                "unless a zone is given) or an age: 7d, 12h, 2w.",
            ),
            click.option(
                "--until",
                metavar="WHEN",
                help="Published before WHEN; a date takes in that whole day.",
            ),
            click.option(
                "--watchlist",
                metavar="[NAME]",
                is_flag=False,
                flag_value="",
                default=None,
                help="Only articles naming a watchlist person; --watchlist=NAME: that "
                "person (a listed name or a part of one, e.g. the surname; write it with = "
                "or after the search text).",
            ),
        ]
        if duplicates:
            options.append(
                click.option(
                    "--duplicates",
                    type=click.Choice(["hide", "show"]),
                    default="hide",
                    show_default=True,
                    help="Copies of an article under another URL: hidden, or shown too.",
                )
            )
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _filters(ctx: click.Context, params: dict[str, Any]) -> Any:
    from crawler.search import parse_time
    from storage.search import Filters

    watchlist = params.get("watchlist")
    return Filters(
        flagged=params["flagged"],
        categories=tuple(params["categories"]),
        languages=tuple(params["languages"]),
        sources=tuple(params["sources"]),
        since=_time(parse_time, params["since"], "--since"),
        until=_time(parse_time, params["until"], "--until", end=True),
        watchlist=None if watchlist is None else _watchlist_names(ctx, watchlist),
        duplicates=params.get("duplicates", "show") == "show",
    )


def _time(parse: Any, value: str | None, option: str, end: bool = False) -> str | None:
    if value is None:
        return None
    try:
        return str(parse(value, end=end))
    except InputError as e:
        raise click.BadParameter(e.message, param_hint=option) from e


def _watchlist_names(ctx: click.Context, name: str) -> tuple[str, ...]:
    """The listed names NAME stands for: a configured name it equals or is a word of,
    ignoring case; the name itself too (it may be from an older watchlist)."""
    from crawler.cli import _config
    from crawler.words import normalise

    if not name.strip():
        return ()
    wanted = normalise(name.strip())
    people = _config(ctx, optional=True).watchlist.people
    found = [
        person
        for person in people
        if normalise(person) == wanted or wanted in normalise(person).split()
    ]
    return tuple(dict.fromkeys([*found, name.strip()]))


def _archive(ctx: click.Context) -> Any:
    """The configured archive, migrated; a StorageError if there is none yet (a read
    command must not create an empty archive and report that it found nothing)."""
    from crawler.cli import _config
    from storage.db import Archive

    path = _config(ctx, optional=True).storage.path
    if not path.exists():
        raise StorageError(
            f"no archive at {path}",
            hint="run newsmon crawl first, or point --config at the configuration of one",
        )
    return Archive(path)


def _warn_unindexed(conn: Any) -> None:
    from storage.search import unindexed

    missing = unindexed(conn)
    if missing:
        click.secho(
            f"Warning: {missing} older articles are not in the word index yet and are not "
            "searched; run newsmon migrate to add them.",
            err=True,
            fg="yellow",
        )


# ----------------------------------------------------------------------------- query


RECORD_FIELDS = (
    "id",
    "published",
    "source",
    "language",
    "title",
    "snippet",
    "url",
    "flagged",
    "score",
    "categories",
    "watchlist",
    "topics",
    "duplicate_of",
    "fetched",
)


@click.command(epilog=SYNTAX)
@click.argument("text", required=False)
@filter_options()
@click.option(
    "--sort",
    type=click.Choice(["newest", "oldest", "published", "relevance"]),
    default="newest",
    show_default=True,
    help="newest/oldest: by when archived (fast at any size); published: by "
    "publication time; relevance: best match first (BM25, title counts 3x). The last "
    "two sort every match: slower for common words in a large archive.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Show at most this many articles (newsmon export has no limit).",
)
@click.option("--count", "only_count", is_flag=True, help="Print only how many articles match.")
@click.option(
    "--collapse",
    is_flag=True,
    help="One row per story instead of per article: its first report, and how many "
    "articles and outlets tell it (copies included); --limit counts stories.",
)
@click.option("--json", "fmt", flag_value="json", help="Print a JSON list.")
@click.option("--nl", "fmt", flag_value="nl", help="Print one JSON object a line.")
@click.option("--csv", "fmt", flag_value="csv", help="Print CSV with a header line.")
@click.pass_context
def query(ctx: click.Context, text: str | None, **params: Any) -> None:
    """Search the archive: articles matching TEXT and the filters, newest first.

    Each hit shows its id, publication date, source, language, verdict, title and
    a snippet with the matched words marked (highlighted on a terminal, [[…]]
    otherwise). Without TEXT the filters alone choose. A malformed query is
    refused with the reason. Exit code 0 also when nothing matches.

    \b
    Examples:
      newsmon query полонені
      newsmon query '"обмін полоненими" NOT футбол' --since 30d --lang uk
      newsmon query --flagged --category exchange --since 7d --csv > week.csv
      newsmon query Шумков --watchlist --json
      newsmon query --flagged --since 1d --collapse   (each story once)
      newsmon show 1234              (one hit in full)
    """
    from crawler.search import compile_text, search
    from storage.search import Search, count

    filters = _filters(ctx, params)
    with _archive(ctx) as archive:
        conn = archive.db.conn
        if text is not None:
            _warn_unindexed(conn)
        if params["only_count"]:
            compiled = compile_text(conn, text, filters.languages)
            match = compiled.expression if compiled else None
            click.echo(count(conn, Search(match, filters)))
            return
        tty = sys.stdout.isatty()
        marker = ("\x1b[1;33m", "\x1b[0m") if tty and params["fmt"] is None else ("[[", "]]")
        if params["collapse"]:
            shown = _print_stories(archive, conn, text, filters, params, tty)
        else:
            hits = search(
                conn, text, filters, sort=params["sort"], limit=params["limit"], marker=marker
            )
            shown = _print(hits.rows, params["fmt"], tty)
    if params["fmt"] is None:
        more = (
            "; more match: raise --limit or narrow the search" if shown == params["limit"] else ""
        )
        unit = "story(ies)" if params["collapse"] else "article(s)"
        click.echo(f"{shown} {unit}{more}", err=True)


# A story's articles are among the hits next to each other in time; this many hits per
# story asked for is enough to fill --limit stories in practice, at bounded cost.
HITS_PER_STORY = 10


def _print_stories(
    archive: Any, conn: Any, text: str | None, filters: Any, params: dict[str, Any], tty: bool
) -> int:
    from dataclasses import asdict
    from dataclasses import fields as fields_of

    from crawler.search import search
    from storage.stories import StoryRow, collapse

    limit = params["limit"]
    hits = search(conn, text, filters, sort=params["sort"], limit=limit * HITS_PER_STORY)
    stories = collapse(archive, [row["id"] for row in hits.rows])[:limit]
    fields = tuple(f.name for f in fields_of(StoryRow))
    return _emit((asdict(s) for s in stories), params["fmt"], fields, lambda r: _story_text(r, tty))


def _story_text(record: dict[str, Any], tty: bool) -> str:
    head = (
        f"story #{record['story_id']}  {record['first_fetched'][:10]}  "
        f"{record['articles']} article(s), {record['outlets']} outlet(s), "
        f"{record['copies']} copy(ies)"
    )
    if tty:
        head = click.style(head, dim=True)
    return f"{head}\n  {record['title'] or '(no title)'}\n  {record['source']}: {record['url']}\n"


def _print(rows: Iterator[dict[str, Any]], fmt: str | None, tty: bool) -> int:
    records = ({k: row.get(k) for k in RECORD_FIELDS} for row in rows)
    return _emit(records, fmt, RECORD_FIELDS, lambda r: _hit_text(r, tty))


def _emit(
    records: Iterable[dict[str, Any]],
    fmt: str | None,
    fields: tuple[str, ...],
    as_text: Callable[[dict[str, Any]], str],
) -> int:
    """Print records as a JSON list, JSON lines, CSV or text; return how many."""
    if fmt == "json":
        items = list(records)
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return len(items)
    if fmt == "nl":
        return _each(records, lambda r: click.echo(json.dumps(r, ensure_ascii=False)))
    if fmt == "csv":
        return _write_csv(sys.stdout, records, fields)
    return _each(records, lambda r: click.echo(as_text(r)))


def _each(records: Iterable[dict[str, Any]], emit: Callable[[dict[str, Any]], None]) -> int:
    shown = 0
    for record in records:
        emit(record)
        shown += 1
    return shown


def _hit_text(record: dict[str, Any], tty: bool) -> str:
    published = (record["published"] or record["fetched"] or "")[:10]
    head = f"#{record['id']}  {published}  {record['source']}  {record['language']}"
    if record["flagged"]:
        head += f"  flagged {record['score']:.2f}"
        if record["categories"]:
            head += f" {', '.join(record['categories'])}"
        if record["watchlist"]:
            head += f"  watchlist: {', '.join(record['watchlist'])}"
    if record["duplicate_of"]:
        head += f"  copy of #{record['duplicate_of']}"
    title = record["title"] or "(no title)"
    if tty:
        head, title = click.style(head, dim=True), click.style(title, bold=True)
    return f"{head}\n  {title}\n  {record['snippet']}\n  {record['url']}\n"


def _write_csv(out: IO[str], records: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> int:
    writer = csv.writer(out)
    writer.writerow(fields)
    shown = 0
    for record in records:
        writer.writerow([_cell(record.get(f)) for f in fields])
        shown += 1
    return shown


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


# ----------------------------------------------------------------------------- export


@click.command(epilog=SYNTAX)
@click.argument("text", required=False)
@filter_options()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="JSON Lines (one article a line) or CSV with a header line.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (complete or not at all) instead of stdout.",
)
@click.pass_context
def export(
    ctx: click.Context, text: str | None, fmt: str, output: Path | None, **params: Any
) -> None:
    """Write every article matching TEXT and the filters, in full, newest first.

    Each article with its URLs, source, language, times, title, author, description,
    tags, text and verdict (flagged, score, topics, categories, watchlist names).
    Streams: memory stays flat however large the archive. Exit code 0 also when
    nothing matches; the count goes to stderr.

    \b
    Examples:
      newsmon export --flagged --since 2026-01-01 -o flagged-2026.jsonl
      newsmon export полонені --lang uk --format csv > polon.csv
    """
    from crawler.search import compile_text
    from storage.search import EXPORT_COLUMNS, Search, find

    filters = _filters(ctx, params)
    fields = (*EXPORT_COLUMNS, "flagged", "score", "topics", "categories", "watchlist")
    with _archive(ctx) as archive:
        conn = archive.db.conn
        if text is not None:
            _warn_unindexed(conn)
        compiled = compile_text(conn, text, filters.languages)
        rows = find(
            conn,
            Search(
                compiled.expression if compiled else None,
                filters,
                limit=None,
                columns=EXPORT_COLUMNS,
            ),
        )
        records = (_export_record(row, fields) for row in rows)
        with _destination(output) as out:
            if fmt == "csv":
                written = _write_csv(out, records, fields)
            else:
                written = _each(records, lambda r: _write_line(out, r))
    click.echo(f"{written} article(s) exported", err=True)


def _write_line(out: IO[str], record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _export_record(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    record = {f: row.get(f) for f in fields}
    record["tags"] = json.loads(record["tags"] or "[]")
    return record


class _destination:
    """stdout, or a file written beside its final name and renamed when complete."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part") if path else None
        self.file: IO[str] | None = None

    def __enter__(self) -> IO[str]:
        if self.part is None:
            return sys.stdout
        try:
            self.file = self.part.open("w", encoding="utf-8", newline="")
        except OSError as e:
            raise InputError(f"cannot write {self.path}: {e.strerror}") from e
        return self.file

    def __exit__(self, kind: object, *rest: object) -> None:
        if self.file is None or self.part is None or self.path is None:
            return
        self.file.close()
        if kind is None:
            os.replace(self.part, self.path)
        else:
            self.part.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- show


@click.command()
@click.argument("key", metavar="ID|URL")
@click.option("--json", "as_json", is_flag=True, help="Print the article and verdicts as JSON.")
@click.pass_context
def show(ctx: click.Context, key: str, as_json: bool) -> None:
    """Show one article in full: metadata, language, verdict, why it is a copy (of
    which article, what similarity), its story (each article with how it joined),
    and its text with the evidence of each flagged topic highlighted (on a
    terminal; [[…]] otherwise).

    ID is the number query prints (#1234); a URL may be any address the article
    was found under.

    \b
    Examples:
      newsmon show 1234
      newsmon show https://www.unian.ua/war/...html --json
    """
    from dataclasses import asdict

    from crawler.urls import canonicalize
    from storage.search import article, article_id
    from storage.stories import story_of

    with _archive(ctx) as archive:
        conn = archive.db.conn
        canonical = _canonical(canonicalize, key)
        ident = article_id(conn, key.strip(), canonical)
        if ident is None:
            raise InputError(
                f"no article {key!r} in the archive",
                hint="give the id newsmon query prints (#1234) or a URL it was fetched from",
            )
        record = article(conn, ident)
        # The story, first report first, each member with why it belongs (copy, near
        # copy or same event; which article, what similarity, the shared anchors).
        record["story"] = [asdict(m) for m in story_of(archive, ident)]
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    tty = sys.stdout.isatty()
    click.echo(_article_text(record, tty))


def _canonical(canonicalize: Callable[[str], str], key: str) -> str | None:
    if key.strip().isdigit():
        return None
    try:
        return canonicalize(key.strip())
    except ValueError:
        return None


def _article_text(record: dict[str, Any], tty: bool) -> str:
    from crawler.flags import merged_spans
    from crawler.query import mark

    marker = ("\x1b[1;31m", "\x1b[0m") if tty else ("[[", "]]")
    spans: dict[str, list[tuple[int, int]]] = {"title": [], "text": []}
    for verdict in record["verdicts"].values():
        if verdict["flag"]:
            for match in verdict["evidence"]:
                field = match.get("field")
                if field in spans and isinstance(match.get("start"), int):
                    spans[field].append((match["start"], match["end"]))
    title = mark(record["title"] or "", merged_spans(spans["title"]), marker)
    text = mark(record["text"] or "", merged_spans(spans["text"]), marker)
    lines = [click.style(title, bold=True) if tty else title, ""]
    for name in ("id", "url", "canonical_url", "source", "published", "fetched", "author"):
        if record.get(name):
            lines.append(f"{name + ':':15}{record[name]}")
    lines.append(f"{'language:':15}{record['language']} ({record['language_score']})")
    story = record.get("story") or []
    me = next((m for m in story if m["id"] == record["id"]), None)
    if record.get("duplicate_of"):
        why = f" ({me['kind']}: {me['reason']})" if me and me.get("reason") else ""
        lines.append(f"{'copy of:':15}#{record['duplicate_of']}{why}")
    elif me and me.get("kind") == "story":
        lines.append(f"{'same story as:':15}#{me['other_id']} ({me['reason']})")
    if record["tags"]:
        lines.append(f"{'tags:':15}{', '.join(record['tags'])}")
    for topic, verdict in record["verdicts"].items():
        state = "flagged" if verdict["flag"] else "not flagged"
        lines.append(f"{topic + ':':15}{state}, score {verdict['score']:.2f}")
        if verdict["categories"]:
            lines.append(f"{'  categories:':15}{', '.join(verdict['categories'])}")
        if verdict["watchlist"]:
            lines.append(f"{'  watchlist:':15}{', '.join(verdict['watchlist'])}")
    if not record["verdicts"]:
        lines.append(f"{'verdict:':15}none yet (newsmon reflag makes it)")
    if len(story) > 1:
        outlets = len({m["source"] for m in story})
        lines.append(f"{'story:':15}{len(story)} articles, {outlets} outlets:")
        for m in story:
            tag = {"copy": "copy", "near_copy": "near copy", "story": "same event"}
            how = f"{tag.get(m['kind'], m['kind'])} of #{m['other_id']}" if m["kind"] else "first"
            lines.append(f"  #{m['id']}  {m['source']}  {how}  {m['title']}")
    return "\n".join([*lines, "", text])


# ----------------------------------------------------------------------------- stats


@click.command()
@filter_options(duplicates=False)
@click.option(
    "--by",
    type=click.Choice(["day", "month"]),
    default=None,
    help="Periods of the last table [default: days for up to 92 days, else months].",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def stats(ctx: click.Context, by: str | None, as_json: bool, **params: Any) -> None:
    """Count the archive's articles per source, language and day (or month): how many,
    how many are copies of another article (duplicates), and how many originals are
    flagged, with the flagged share. By publication date; all time unless --since or
    --until; the other filters narrow it too.

    \b
    Examples:
      newsmon stats --since 30d
      newsmon stats --since 2026-01-01 --until 2026-06-30 --by month --json
    """
    from storage.search import stats as archive_stats

    filters = _filters(ctx, params)
    period = 10 if (by or _default_by(filters)) == "day" else 7
    with _archive(ctx) as archive:
        result = archive_stats(archive.db.conn, filters, period)
    groups = {
        "source": result.by_source,
        "language": result.by_language,
        "day" if period == 10 else "month": result.by_period,
    }
    if as_json:
        record = {"total": _counts(result.total)} | {
            name: {key: _counts(c) for key, c in sorted(group.items())}
            for name, group in groups.items()
        }
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    total = _counts(result.total)
    click.echo(
        f"{total['articles']} articles, {total['duplicates']} duplicates, "
        f"{total['flagged']} flagged ({_share(total)} of originals)"
    )
    from crawler.cli import _table

    for name, group in groups.items():
        ordered = (
            sorted(group.items())
            if name != "source"
            else sorted(group.items(), key=lambda kv: -kv[1]["articles"])
        )
        rows: list[tuple[Any, ...]] = [(name, "articles", "duplicates", "flagged", "share")]
        for key, c in ordered:
            counts = _counts(c)
            rows.append(
                (key, counts["articles"], counts["duplicates"], counts["flagged"], _share(counts))
            )
        click.echo("\n" + _table(rows, right=(1, 2, 3, 4)))


def _default_by(filters: Any) -> str:
    from datetime import date

    if filters.since is None:
        return "month"
    start = date.fromisoformat(filters.since[:10])
    end = date.fromisoformat(filters.until[:10]) if filters.until else date.today()
    return "day" if (end - start).days <= 92 else "month"


def _counts(counter: Any) -> dict[str, Any]:
    articles, duplicates, flagged = (
        counter["articles"],
        counter["duplicates"],
        counter["flagged"],
    )
    originals = articles - duplicates
    share = round(flagged / originals, 4) if originals else 0.0
    return {"articles": articles, "duplicates": duplicates, "flagged": flagged, "share": share}


def _share(counts: dict[str, Any]) -> str:
    return f"{counts['share'] * 100:.1f}%"


# ----------------------------------------------------------------------------- serve


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@click.pass_context
def serve(ctx: click.Context, port: int) -> None:
    """Browse the archive in a web page (Datasette) at http://127.0.0.1:PORT/.

    Read-only (the archive is opened with mode=ro, so the daemon may keep writing),
    on this machine only. Tables and columns are described; the articles table has
    facets by source and language and a search box (exact word forms); the
    flagged_reports view has facets by source, language, category and watchlist name;
    canned queries: search (every form of the words, as newsmon query), flagged
    reports of the last 7 days, by category, by watchlist name. Every page is also
    JSON: add .json to its address. Stops on Ctrl-C.

    Example: newsmon serve --port 8001
    """
    from crawler.serve import serve as run_server

    with _archive(ctx) as archive:
        path = archive.path  # opened once to apply migrations; served read-only
    run_server(path, port)
