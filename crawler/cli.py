"""The newsmon command line: a thin click layer over the core; errors are caught here once."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import click

from crawler import __version__, cli_search
from crawler.config import Config, SubscriberConfig, find_config_path, load_config, parse_config
from crawler.errors import ConfigError, ExtractionError, InputError, NewsmonError

log = logging.getLogger("newsmon")


class NewsmonGroup(click.Group):
    """Turns a NewsmonError into its message and hint on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewsmonError as e:
            if ctx.meta.get("newsmon.verbose"):
                raise
            click.secho(f"Error: {e.message}", err=True, fg="red")
            if e.hint:
                click.echo(f"Hint: {e.hint}", err=True)
            ctx.exit(e.exit_code)


@click.group(cls=NewsmonGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar="NEWSMON_CONFIG",
    help="Configuration file [default: ./config.toml; env NEWSMON_CONFIG].",
)
@click.option(
    "-s",
    "--set",
    "overrides",
    metavar="SECTION.KEY=VALUE",
    multiple=True,
    help="Override one configuration key, e.g. -s crawl.delay=0 (repeatable).",
)
@click.option("-v", "--verbose", count=True, help="More logging; -v also shows tracebacks.")
@click.version_option(__version__, prog_name="newsmon")
@click.pass_context
def cli(
    ctx: click.Context, config_path: str | None, overrides: tuple[str, ...], verbose: int
) -> None:
    """newsmon: watch Ukrainian news sites, archive every article in SQLite.

    Example: newsmon crawl --source unian-uk
    """
    ctx.meta["newsmon.verbose"] = verbose > 0
    ctx.obj = {"config_path": config_path, "overrides": overrides}
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # On the handler too: libraries (Scrapy) set their own loggers to DEBUG, and their
    # records reach the root handler whatever the root logger's level.
    for handler in logging.root.handlers:
        handler.setLevel(level)


def _config(ctx: click.Context, optional: bool = False) -> Config:
    """The configuration; with ``optional``, the defaults when no file was named and
    ./config.toml does not exist (a one-off extract or classify needs no setup)."""
    path = ctx.obj["config_path"]
    if optional and path is None and not find_config_path(None).exists():
        return parse_config("", None, ctx.obj["overrides"])
    return load_config(path, ctx.obj["overrides"])


@cli.command()
@click.option(
    "--source",
    "names",
    metavar="NAME",
    multiple=True,
    help="Crawl only this source (repeatable); default: every enabled source.",
)
@click.pass_context
def crawl(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Visit every configured source once and archive each new article.

    Prints one line per source: requests, new articles, duplicates, pages skipped
    (no article body), feeds unchanged (304), errors, and articles still queued.
    Exits 1 if a source failed entirely (none of its feeds, sitemaps or listings
    could be read), naming it.

    Example: newsmon crawl --source unian-uk --source suspilne-uk
    """
    from crawler.runner import crawl as run_crawl  # Scrapy is slow to import: only when needed

    config = _config(ctx)
    sources = _sources(config, names)
    verbose = ctx.meta["newsmon.verbose"]
    progress = _progress_line if sys.stderr.isatty() else None
    summaries = run_crawl(config, sources, progress, log_level="INFO" if verbose else "WARNING")
    if progress is not None:
        click.echo("\r\033[K", nl=False, err=True)
    click.echo(_summary_table(summaries))
    failed = [s.source for s in summaries if s.status == "failed"]
    if failed:
        click.secho(f"Failed entirely: {', '.join(failed)}", err=True, fg="red")
        for s in summaries:
            if s.status == "failed" and s.message:
                click.echo(f"  {s.source}: {s.message}", err=True)
        ctx.exit(1)


def _progress_line(runs: dict[str, Any]) -> None:
    requests = sum(r.counts["requests"] for r in runs.values())
    new = sum(r.counts["new_articles"] for r in runs.values())
    errors = sum(sum(r.errors.values()) for r in runs.values())
    click.echo(
        f"\r\033[K{requests} requests, {new} new articles, {errors} errors", nl=False, err=True
    )


def _summary_table(summaries: list[Any]) -> str:
    header = ("source", "status", "requests", "new", "dupes", "skipped", "304", "errors", "queued")
    rows = [header] + [
        (
            s.source,
            s.status,
            s.requests,
            s.new,
            s.duplicates,
            s.skipped,
            s.not_modified,
            _errors(s.errors),
            s.pending,
        )
        for s in summaries
    ]
    return _table(rows, right=(2, 3, 4, 5, 6, 8))


def _errors(errors: dict[str, int]) -> str:
    if not errors:
        return "0"
    return ",".join(f"{kind}={n}" for kind, n in sorted(errors.items()))


@cli.command("run")
@click.option(
    "--source",
    "names",
    metavar="NAME",
    multiple=True,
    help="Run only this source (repeatable); default: every enabled source.",
)
@click.pass_context
def run_daemon(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Run in the foreground until SIGTERM or SIGINT: crawl each source every `every`
    (first crawl at start, with jitter, one crawl of a source at a time) and alert.

    Logs one line per crawl to stderr (for journald). A crawl that runs longer than
    crawl.max_duration is stopped and recorded as "timeout". A second daemon on the same
    archive refuses to start. Stops within 10 seconds; nothing is left half-written.

    Example: newsmon --config /etc/newsmon/config.toml run
    """
    from crawler.daemon import run

    config = _config(ctx)
    sources = _sources(config, names)
    verbose = ctx.meta["newsmon.verbose"]
    # One line per crawl is the daemon's heartbeat in the journal: INFO for newsmon,
    # libraries stay at WARNING unless -v.
    logging.getLogger().setLevel(logging.INFO)
    for handler in logging.root.handlers:
        handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in ("scrapy", "apscheduler", "twisted", "asyncio"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    ctx.exit(run(config, sources, log_level="INFO" if verbose else "WARNING"))


def _sources(config: Config, names: tuple[str, ...]) -> tuple[Any, ...]:
    sources = tuple(config.source(n) for n in names) or tuple(
        s for s in config.sources if s.enabled
    )
    if not sources:
        raise ConfigError("no enabled sources to crawl", hint="add [[sources]] to the config")
    return sources


@cli.command()
@click.argument("file", type=click.File("rb"))
@click.option(
    "--url",
    default="http://localhost/",
    show_default=True,
    help="The page's address: resolves relative links and helps metadata.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON object: title, text, author, published, language, verdicts, …",
)
@click.option(
    "--lang",
    "prior",
    type=click.Choice(["uk", "ru", "en"]),
    default=None,
    help="The edition's language, used only to settle uk/ru on weak evidence.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Also list what was left out of the text as boilerplate, and by which rule.",
)
@click.pass_context
def extract(
    ctx: click.Context, file: Any, url: str, as_json: bool, prior: str | None, explain: bool
) -> None:
    """Show what newsmon makes of one saved page (FILE, or - for stdin).

    Reads the raw bytes, so the encoding is detected as in a crawl. Prints the
    main text, or with --json all fields, the verdict of each enabled topic
    included ("verdicts": {"captivity": {"flag": ..., "evidence": [...]}}).
    Exits 1 if the page has no article.
    If the configuration file exists and one of its sources holds --url, that
    source's drop/body rules apply, and the template learned for it in the
    archive. --explain lists every piece left out with its rule: the way to write
    or fix a source's drop rule.

    Example: curl -s https://www.unian.ua/... | newsmon extract --explain --url URL -
    """
    from crawler.boilerplate import Dropped
    from crawler.extract import Skipped
    from crawler.flags import Flagger
    from crawler.process import Page, process_page

    body = file.read()
    page = Page(
        url=url,
        requested_url=url,
        source="-",
        language=prior or "",
        domains=(urlsplit(url).hostname or "",),
        body=body,
    )
    page = _with_source_knowledge(ctx, page)
    dropped: list[Dropped] = []
    # Classifying costs a second of vocabulary loading: only when it is shown.
    flagger = Flagger.from_config(_config(ctx, optional=True)) if as_json else None
    processed = process_page(page, flagger, dropped)
    result = processed.result
    if isinstance(result, Skipped):
        raise ExtractionError(f"no article on this page: {result.reason}")
    if as_json:
        record = asdict(result)
        record["tags"] = list(record["tags"])
        del record["source"], record["fetched"]
        record["verdicts"] = {v.topic: _verdict_json(v) for v in processed.verdicts}
        if explain:
            record["left_out"] = [asdict(d) for d in dropped]
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    click.echo(f"{result.title}\n\n{result.text}")
    if explain:
        click.echo("\n-- left out --")
        for piece in dropped:
            click.echo(f"[{piece.rule}] {piece.text}")


def _with_source_knowledge(ctx: click.Context, page: Any) -> Any:
    """The page with the rules and learned template of the configured source holding its
    URL; unchanged when there is no configuration file to say (extract needs none)."""
    from dataclasses import replace

    from crawler.config import find_config_path
    from crawler.urls import on_site, source_domains
    from storage.db import Archive

    if not find_config_path(ctx.obj["config_path"]).exists():
        return page
    config = _config(ctx)
    source = next((s for s in config.sources if on_site(page.url, source_domains(s))), None)
    if source is None:
        return page
    template: frozenset[int] = frozenset()
    if config.storage.path.exists():
        with Archive(config.storage.path) as archive:
            template = archive.template(source.name)
    return replace(page, source=source.name, rules=source.rules, template=template)


def _verdict_json(row: Any) -> dict[str, Any]:
    """A stored verdict as Verdict.to_json() gives it."""
    keys = ("flag", "score", "categories", "evidence", "watchlist")
    return {key: getattr(row, key) for key in keys}


@cli.command()
@click.argument("file", type=click.File("rb"))
@click.option(
    "--lang",
    type=click.Choice(["uk", "ru", "en"]),
    default=None,
    help="The text's language [default: detected]; with --jsonl, for lines without one.",
)
@click.option("--title", default="", help="The article's title: evidence there counts double.")
@click.option(
    "--topic",
    metavar="NAME",
    default=None,
    help="The topic to classify for [default: the first of topics.enabled].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as a JSON object.")
@click.option(
    "--jsonl",
    is_flag=True,
    help="FILE holds one JSON object a line (id, text, optional title and lang): "
    "print one verdict a line, with its id.",
)
@click.pass_context
def classify(
    ctx: click.Context,
    file: Any,
    lang: str | None,
    title: str,
    topic: str | None,
    as_json: bool,
    jsonl: bool,
) -> None:
    """Say whether a text (FILE, or - for stdin) is a captivity report, and why.

    Prints the flag, the score (0.5 is the line), the categories and every
    evidence sentence with the matched words in [[double brackets]]; with --json
    the verdict as a JSON object with its language and topic. Uses the
    vocabulary and watchlist of the configuration, as a crawl does.

    With --jsonl each input line is {"id": ..., "text": ..., "title": ...,
    "lang": ...} (title and lang optional) and each output line the verdict
    with its id; a malformed line gives {"line": N, "error": ...} and the rest
    go on. Exits 1 if any line failed.

    \b
    Examples:
      newsmon classify --title "Обмін полоненими" article.txt
      newsmon classify --jsonl texts.jsonl > verdicts.jsonl
    """
    if jsonl and (title or as_json):
        raise click.UsageError("--jsonl takes the title from each line and always prints JSON")
    from crawler.flags import Flagger

    flagger = Flagger.from_config(_config(ctx, optional=True))
    if not flagger.topics:
        raise ConfigError("no topics to classify for", hint="list some in topics.enabled")
    flagger = flagger.only(topic or flagger.topics[0].name)
    if jsonl:
        failed = _classify_lines(flagger, file, lang)
        if failed:
            raise InputError(f"{failed} input line(s) could not be classified; see their errors")
        return
    text = _read_text(file)
    language = lang or _detect(title, text)
    verdict = flagger.classify(title, text, language)[flagger.topics[0].name]
    if as_json:
        record = {"topic": flagger.topics[0].name, "language": language, **verdict.to_json()}
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        click.echo(_verdict_text(flagger.topics[0].name, verdict, language, title, text))


def _read_text(file: Any) -> str:
    data = file.read()
    try:
        return str(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise InputError(
            f"{file.name}: not UTF-8 text ({e.reason} at byte {e.start})",
            hint="convert it first, e.g. iconv -f cp1251 -t utf-8",
        ) from e


def _detect(title: str, text: str) -> str:
    from crawler.language import detect_language

    return detect_language(f"{title}\n{text}")[0]


def _verdict_text(topic: str, verdict: Any, language: str, title: str, text: str) -> str:
    from crawler.flags import marked_sentences

    state = "flagged" if verdict.flag else "not flagged"
    if verdict.flag and verdict.score < 0.5:
        state = "flagged by the watchlist"
    lines = [
        f"{topic}: {state} (score {verdict.score:.2f}; 0.50 and above flags)",
        f"language: {language}",
        f"categories: {', '.join(verdict.categories) or 'none'}",
    ]
    if verdict.watchlist:
        lines.append(f"watchlist: {', '.join(verdict.watchlist)}")
    lines.append("evidence:" if verdict.evidence else "evidence: none")
    for field, sentence, entries in marked_sentences(verdict, {"title": title, "text": text}):
        lines.append(f"  {field}: {sentence}  ({'; '.join(entries)})")
    return "\n".join(lines)


def _classify_lines(flagger: Any, file: Any, default_lang: str | None) -> int:
    """Classify each JSON line of ``file``, print a verdict or an error a line; count errors."""
    topic = flagger.topics[0].name
    failed = 0
    for number, raw in enumerate(file, 1):
        if not raw.strip():
            continue
        try:
            item_id, title, text, lang = _jsonl_item(raw)
        except ValueError as e:
            failed += 1
            click.echo(json.dumps({"line": number, "error": str(e)}, ensure_ascii=False))
            continue
        language = lang or default_lang or _detect(title, text)
        verdict = flagger.classify(title, text, language)[topic]
        record = {"id": item_id, "topic": topic, "language": language, **verdict.to_json()}
        click.echo(json.dumps(record, ensure_ascii=False))
    return failed


def _jsonl_item(raw: bytes) -> tuple[Any, str, str, str | None]:
    """(id, title, text, lang) of one input line; ValueError saying what is wrong."""
    try:
        item = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 ({e.reason} at byte {e.start})") from e
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON: {e}") from e
    if not isinstance(item, dict):
        raise ValueError("not a JSON object")
    item_id = item.get("id")
    if isinstance(item_id, bool) or not isinstance(item_id, str | int):
        raise ValueError('needs an "id" (a string or an integer)')
    text, title, lang = item.get("text"), item.get("title") or "", item.get("lang")
    if not isinstance(text, str):
        raise ValueError(f'item {item_id!r}: needs a "text" string')
    if not isinstance(title, str):
        raise ValueError(f'item {item_id!r}: "title" must be a string')
    if lang is not None and lang not in ("uk", "ru", "en"):
        raise ValueError(f'item {item_id!r}: "lang" must be uk, ru or en, not {lang!r}')
    return item_id, title, text, lang


@cli.command()
@click.option(
    "--since",
    metavar="DATE",
    default=None,
    help="Only articles fetched or published at or after DATE: 2026-11-20, "
    "2026-11-20T08:00 (UTC unless a zone is given) or an age such as 7d.",
)
@click.option(
    "--topic", metavar="NAME", default=None, help="Only this topic [default: every enabled one]."
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Recompute every verdict, the current ones too.",
)
@click.pass_context
def reflag(ctx: click.Context, since: str | None, topic: str | None, everything: bool) -> None:
    """Recompute the stored verdicts after the vocabulary or the watchlist changed.

    Reclassifies every archived article whose verdict was made with another
    vocabulary, watchlist or newsmon version, or that has none; articles keep
    their fetched time, verdicts get a new classified time. Commits every 500
    articles: interrupted, it loses nothing, and run again it goes on where it
    stopped. Prints per topic how many articles were checked, newly flagged,
    unflagged and unchanged.

    Example: newsmon reflag --since 2026-01-01
    """
    from crawler.flags import Flagger
    from crawler.reflag import ReflagCounts, parse_since
    from crawler.reflag import reflag as run_reflag
    from crawler.workers import Workers
    from storage.db import Archive

    try:
        cutoff = parse_since(since) if since is not None else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--since") from e
    config = _config(ctx)
    flagger = Flagger.from_config(config).only(topic)
    if not flagger.topics:
        raise ConfigError("no topics to recompute", hint="list some in topics.enabled")
    latest: dict[str, ReflagCounts] = {}

    def progress(counts: ReflagCounts) -> None:
        latest[counts.topic] = counts
        if sys.stderr.isatty():
            click.echo(f"\r\033[K{_reflag_line(counts)}", nl=False, err=True)

    # Started on the first batch only: nothing stale, no processes.
    workers = Workers(config.crawl.workers, prepare=flagger.prepare)
    try:
        with Archive(config.storage.path) as archive:
            results = run_reflag(
                archive,
                flagger,
                since=cutoff,
                everything=everything,
                workers=workers,
                progress=progress,
            )
    except KeyboardInterrupt:
        done = sum(c.checked for c in latest.values())
        click.echo(
            f"\nInterrupted: the verdicts of {done} articles were saved; "
            "run newsmon reflag again to finish.",
            err=True,
        )
        ctx.exit(130)
    finally:
        workers.shutdown()
    if sys.stderr.isatty():
        click.echo("\r\033[K", nl=False, err=True)
    for counts in results:
        log.info("%s: %.0f articles/s", counts.topic, counts.rate)
        click.echo(_reflag_line(counts, final=True))


def _reflag_line(c: Any, final: bool = False) -> str:
    checked = f"{c.checked} checked" if final else f"{c.checked}/{c.total} checked"
    line = f"{c.topic}: {checked}, {c.flagged} newly flagged, {c.unflagged} unflagged"
    if final:
        return f"{line}, {c.unchanged} unchanged"
    return f"{line} ({c.rate:.0f} articles/s)"


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show each source's last crawl, its result and new articles, failed crawls in a
    row and health (ok, failing, blocked, silent); alerts waiting, sent and refused;
    and the archive's size.

    Example: newsmon status
    """
    from storage.db import Archive
    from storage.health import overview

    config = _config(ctx)
    path = config.storage.path
    with Archive(path) as archive:
        sources = overview(archive)
        articles = archive.db["articles"].count
        alerts = archive.outbox_counts()
    size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    if as_json:
        record = {
            "archive": str(path),
            "bytes": size,
            "articles": articles,
            "alerts": alerts,
            "sources": sources,
        }
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    click.echo(f"archive {path}: {articles} articles, {size / 1e6:.1f} MB")
    click.echo(
        f"alerts: {alerts['queued']} waiting, {alerts['sent']} sent, "
        f"{alerts['failed']} refused for good (see: newsmon alerts pending)"
    )
    header = ("source", "last crawl (UTC)", "status", "new", "failed in a row", "health")
    rows = [header] + [
        (
            s["source"],
            (s["last_crawl"] or "")[:16].replace("T", " "),
            s["status"],
            s["new"] or 0,
            s["failures_in_a_row"],
            s["health"] or "ok",
        )
        for s in sources
    ]
    click.echo(_table(rows, right=(3, 4)))


def _table(rows: list[tuple[Any, ...]], right: tuple[int, ...] = ()) -> str:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            str(v).rjust(w) if i in right else str(v).ljust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


@cli.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Create the archive or bring its schema up to date (crawl does this too), and add
    articles archived before this version to the word index of newsmon query
    (resumable: interrupted, run it again).

    Example: newsmon migrate
    """
    from storage.db import Archive
    from storage.migrations import migrations

    config = _config(ctx)
    with Archive(config.storage.path) as archive:
        applied = [m.name for m in migrations.applied(archive.db)]
        _backfill_words(archive)
    click.echo(f"{config.storage.path}: schema at {applied[-1] if applied else 'none'}")


def _backfill_words(archive: Any) -> None:
    """Add the articles stored before the word index (m006) to it, with progress."""
    from storage.search import unindexed

    total = unindexed(archive.db.conn)
    if not total:
        return
    click.echo(f"Adding {total} articles to the word index (newsmon query)...", err=True)
    try:
        for left in archive.backfill_words():
            if sys.stderr.isatty():
                click.echo(f"\r\033[K{total - left}/{total}", nl=False, err=True)
    except KeyboardInterrupt:
        click.echo("\nInterrupted: run newsmon migrate again to finish.", err=True)
        raise
    if sys.stderr.isatty():
        click.echo("\r\033[K", nl=False, err=True)


@cli.group()
def alerts() -> None:
    """E-mail alerts: send a test, list what waits in the outbox, deliver it now.

    Alerts are queued in the archive's outbox and delivered by the daemon. Without
    [alerts.smtp] host they are written as .eml files to [alerts] folder.

    Example: newsmon alerts test
    """


@alerts.command("test")
@click.option(
    "--subscriber",
    "name",
    metavar="NAME",
    help="Send to this subscriber's addresses [default: the first configured].",
)
@click.pass_context
def alerts_test(ctx: click.Context, name: str | None) -> None:
    """Send one test message through the configured route, now, and say where it went.

    The message does not go through the outbox: it is sent at once or the command
    fails (exit 1) with the reason, e.g. an unreachable SMTP server or a refused login.

    Example: NEWSMON_SMTP_PASSWORD=... newsmon alerts test --subscriber families
    """
    from crawler.alerts import compose_notice
    from crawler.mailer import transport_for
    from crawler.outbox import envelope_of

    config = _config(ctx)
    subscriber = _subscriber(config, name)
    transport = transport_for(config.alerts)
    now = datetime.now(UTC)
    lines = [
        "This is a test message from newsmon.",
        f"Route: {transport.description}",
        f"Subscriber: {subscriber.name} (mode {subscriber.mode})",
    ]
    message = compose_notice(
        "newsmon test message",
        lines,
        subscriber,
        f"{subscriber.name}:test:{now.isoformat()}",
        sender=config.alerts.sender,
        now=now,
        kind="test",
    )
    envelope = envelope_of(message)
    with transport.session() as session:
        receipt = session.send(envelope)
    click.echo(
        f"Test message {envelope.message_id} for {', '.join(envelope.recipients)} "
        f"delivered to {receipt.where}"
    )
    if receipt.refused:
        click.secho(f"Refused recipients: {'; '.join(receipt.refused)}", err=True, fg="red")
        ctx.exit(1)


def _subscriber(config: Config, name: str | None) -> SubscriberConfig:
    if name:
        return config.alerts.subscriber(name)
    if not config.alerts.subscribers:
        raise ConfigError(
            "no alert recipients are configured",
            hint='set [alerts] to = ["you@example.org"] or add [[alerts.subscribers]]',
        )
    return config.alerts.subscribers[0]


@alerts.command("pending")
@click.option("--all", "everything", is_flag=True, help="Also list messages already sent.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.pass_context
def alerts_pending(ctx: click.Context, everything: bool, as_json: bool) -> None:
    """List the alerts waiting in the outbox, and those refused for good.

    One line per message: id, state (queued or failed), kind, subscriber, attempts,
    next attempt (UTC), subject and the last error. Nothing waiting prints nothing.

    Example: newsmon alerts pending --json
    """
    from storage.db import Archive

    states = ("queued", "failed", "sent") if everything else ("queued", "failed")
    with Archive(_config(ctx).storage.path) as archive:
        entries = archive.outbox(states)
    if as_json:
        records = [asdict(e) | {"state": e.state} for e in entries]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif entries:
        click.echo(_outbox_table(entries))
    else:
        click.echo("No alerts waiting.", err=True)


def _outbox_table(entries: list[Any]) -> str:
    header = ("id", "state", "kind", "subscriber", "attempts", "next attempt", "subject", "error")
    rows = [header] + [
        (
            str(e.id),
            e.state,
            e.kind,
            e.subscriber,
            str(e.attempts),
            e.next_attempt or "-",
            e.subject,
            e.last_error or "",
        )
        for e in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join([*(v.ljust(w) for v, w in zip(row, widths, strict=False)), row[-1]]).rstrip()
        for row in rows
    )


@alerts.command("send")
@click.option(
    "--retry-failed",
    is_flag=True,
    help="First put messages refused for good (5xx) back in the queue.",
)
@click.pass_context
def alerts_send(ctx: click.Context, retry_failed: bool) -> None:
    """Deliver the alerts that are due now through the configured route.

    The daemon does this after every crawl; this is for a first check or after fixing
    the SMTP settings. Exits 1 if a message could not be delivered (it stays queued).

    Example: newsmon alerts send --retry-failed
    """
    from crawler.mailer import transport_for
    from crawler.outbox import deliver_due
    from storage.db import Archive

    config = _config(ctx)
    transport = transport_for(config.alerts)
    with Archive(config.storage.path) as archive:
        if retry_failed:
            archive.retry_failed()
        result = deliver_due(archive, transport)
        waiting = archive.outbox_counts()
    click.echo(
        f"{result.sent} sent via {transport.description}; "
        f"{waiting['queued']} queued, {waiting['failed']} refused for good"
    )
    for error in result.errors:
        click.echo(f"  {error}", err=True)
    if result.retrying or result.failed:
        ctx.exit(1)


# The archive's read commands live in their own module (crawler/cli_search.py).
for _command in (
    cli_search.query,
    cli_search.show,
    cli_search.export,
    cli_search.stats,
    cli_search.serve,
):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="newsmon")


if __name__ == "__main__":  # pragma: no cover
    main()
