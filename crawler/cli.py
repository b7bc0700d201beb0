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

from crawler import __version__
from crawler.config import Config, SubscriberConfig, load_config
from crawler.errors import ConfigError, ExtractionError, NewsmonError

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


def _config(ctx: click.Context) -> Config:
    return load_config(ctx.obj["config_path"], ctx.obj["overrides"])


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
    help="Print a JSON object: title, text, author, published, language, …",
)
@click.option(
    "--lang",
    "prior",
    type=click.Choice(["uk", "ru", "en"]),
    default=None,
    help="The edition's language, used only to settle uk/ru on weak evidence.",
)
def extract(file: Any, url: str, as_json: bool, prior: str | None) -> None:
    """Show what newsmon makes of one saved page (FILE, or - for stdin).

    Reads the raw bytes, so the encoding is detected as in a crawl. Prints the
    main text, or with --json all fields. Exits 1 if the page has no article.

    Example: curl -s https://www.unian.ua/... | newsmon extract --json --url URL -
    """
    from crawler.extract import Skipped
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
    result = process_page(page).result
    if isinstance(result, Skipped):
        raise ExtractionError(f"no article on this page: {result.reason}")
    if as_json:
        record = asdict(result)
        record["tags"] = list(record["tags"])
        del record["source"], record["fetched"]
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{result.title}\n\n{result.text}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show each source's last crawl, its result and new articles, failed crawls in a
    row and health (ok, failing, blocked, silent), and the archive's size.

    Example: newsmon status
    """
    from storage.db import Archive
    from storage.health import overview

    config = _config(ctx)
    path = config.storage.path
    with Archive(path) as archive:
        sources = overview(archive)
        articles = archive.db["articles"].count
    size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    if as_json:
        record = {"archive": str(path), "bytes": size, "articles": articles, "sources": sources}
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    click.echo(f"archive {path}: {articles} articles, {size / 1e6:.1f} MB")
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
    """Create the archive or bring its schema up to date (crawl does this too).

    Example: newsmon migrate
    """
    from storage.db import Archive
    from storage.migrations import migrations

    config = _config(ctx)
    with Archive(config.storage.path) as archive:
        applied = [m.name for m in migrations.applied(archive.db)]
    click.echo(f"{config.storage.path}: schema at {applied[-1] if applied else 'none'}")


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


def main() -> None:
    cli(prog_name="newsmon")


if __name__ == "__main__":  # pragma: no cover
    main()
