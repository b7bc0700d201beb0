"""The newsmon command line: a thin click layer over the core; errors are caught here once."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

import click

from crawler import __version__
from crawler.config import Config, load_config
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
    sources = tuple(config.source(n) for n in names) or tuple(
        s for s in config.sources if s.enabled
    )
    if not sources:
        raise ConfigError("no enabled sources to crawl", hint="add [[sources]] to the config")
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
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            str(v).ljust(w) if i < 2 or i == 7 else str(v).rjust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def _errors(errors: dict[str, int]) -> str:
    if not errors:
        return "0"
    return ",".join(f"{kind}={n}" for kind, n in sorted(errors.items()))


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
    main text, or with --json all fields. Exits 1 if the page has no article.
    If the configuration file exists and one of its sources holds --url, that
    source's drop/body rules apply, and the template learned for it in the
    archive. --explain lists every piece left out with its rule: the way to write
    or fix a source's drop rule.

    Example: curl -s https://www.unian.ua/... | newsmon extract --explain --url URL -
    """
    from crawler.boilerplate import Dropped
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
    page = _with_source_knowledge(ctx, page)
    dropped: list[Dropped] = []
    result = process_page(page, dropped).result
    if isinstance(result, Skipped):
        raise ExtractionError(f"no article on this page: {result.reason}")
    if as_json:
        record = asdict(result)
        record["tags"] = list(record["tags"])
        del record["source"], record["fetched"]
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


def main() -> None:
    cli(prog_name="newsmon")


if __name__ == "__main__":  # pragma: no cover
    main()
