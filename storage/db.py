"""The Archive: every article once, the URLs already met, feed validators and crawl runs."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from crawler import template as tpl
from crawler.errors import StorageError
from crawler.template import PageBlocks
from storage.migrations import migrations

# URLs in these states are never requested again; "pending" ones are the frontier.
DONE_STATES = ("stored", "skipped", "failed")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ArticleRow:
    """One article as the archive keeps it."""

    url: str
    canonical_url: str
    source: str
    title: str
    text: str
    content_hash: str
    language: str
    language_score: float
    author: str | None = None
    published: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    sitename: str | None = None
    encoding: str | None = None
    fetched: str = field(default_factory=utc_now)


@dataclass(frozen=True)
class StoreResult:
    """What storing a page did: a new article, a copy of one, or nothing (already there)."""

    outcome: Literal["new", "duplicate", "known"]
    article_id: int
    duplicate_of: int | None = None


@dataclass(frozen=True)
class FeedState:
    url: str
    etag: str | None
    last_modified: str | None
    status: int | None
    checked: str | None


class Archive:
    """The SQLite archive. One instance per process and thread; opening migrates it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = Database(self.path)
            self.db.enable_wal()
            # WAL + NORMAL: a commit survives a crash of newsmon (not of the OS) and
            # costs no fsync; an article is never half-written either way.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=10000")
            migrations.apply(self.db)
        except (sqlite3.Error, OSError) as e:
            raise StorageError(
                f"cannot open the archive {self.path}: {e}",
                hint="check that the folder exists, is writable and the disk is not full",
            ) from e

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the URL memory and frontier -------------------------------------------------------

    def known(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` that need no request: stored, skipped or given up on."""
        found: set[str] = set()
        batch = list(dict.fromkeys(urls))
        for chunk in _chunks(batch, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"select url from urls where url in ({marks}) and state != 'pending'", chunk
            )
            found.update(row[0] for row in rows)
        return found

    def add_pending(self, source: str, entries: Iterable[tuple[str, str | None]]) -> int:
        """Queue newly discovered (url, listed time) pairs; return how many were new."""
        now = utc_now()
        with self._write():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "insert or ignore into urls (url, source, state, listed, discovered, updated,"
                " attempts) values (?, ?, 'pending', ?, ?, ?, 0)",
                [(url, source, listed, now, now) for url, listed in entries],
            )
            return self.db.conn.total_changes - before

    def pending(self, source: str, limit: int) -> list[str]:
        """The frontier of ``source``, newest listed first."""
        rows = self.db.execute(
            "select url from urls where source = ? and state = 'pending'"
            " order by listed desc nulls last, discovered desc limit ?",
            [source, limit],
        )
        return [row[0] for row in rows]

    def count_pending(self, source: str) -> int:
        row = self.db.execute(
            "select count(*) from urls where source = ? and state = 'pending'", [source]
        ).fetchone()
        return int(row[0])

    def record_failure(self, url: str, source: str, reason: str, max_attempts: int) -> bool:
        """Count a failed fetch of ``url``; return True when newsmon gives up on it."""
        with self._write():
            self._upsert_url(url, source, "pending", reason=reason)
            self.db.execute(
                "update urls set attempts = attempts + 1,"
                " state = case when attempts + 1 >= ? then 'failed' else state end"
                " where url = ? and state = 'pending'",
                [max_attempts, url],
            )
            row = self.db.execute("select state from urls where url = ?", [url]).fetchone()
        return bool(row and row[0] == "failed")

    def record_skip(self, urls: Sequence[str], source: str, reason: str) -> None:
        """Remember that these URLs lead to no article (listing, error page, gone)."""
        with self._write():
            for url in dict.fromkeys(urls):
                self._upsert_url(url, source, "skipped", reason=reason)

    # -- articles --------------------------------------------------------------------------

    def store(self, article: ArticleRow, aliases: Sequence[str] = ()) -> StoreResult:
        """Insert ``article`` once, in one transaction, and mark its URLs as done.

        A page whose canonical URL is already archived is "known" and changes nothing
        but the URL memory; a page whose text is already archived under another URL is
        stored with ``duplicate_of`` pointing to the first, so every outlet is kept.
        """
        urls = [article.url, article.canonical_url, *aliases]
        with self._write():
            existing = self._article_id("canonical_url", article.canonical_url)
            if existing is not None:
                self._mark_stored(urls, article.source, existing)
                return StoreResult("known", existing)
            original = self._original_with_hash(article.content_hash)
            row = asdict(article)
            row["tags"] = json.dumps(list(article.tags), ensure_ascii=False)
            row["duplicate_of"] = original
            article_id = int(self.db.table("articles").insert(row).last_pk or 0)
            self._mark_stored(urls, article.source, article_id)
        if original is None:
            return StoreResult("new", article_id)
        return StoreResult("duplicate", article_id, original)

    def _article_id(self, column: str, value: str) -> int | None:
        row = self.db.execute(
            f"select id from articles where {column} = ? order by id limit 1", [value]
        ).fetchone()
        return None if row is None else int(row[0])

    def _original_with_hash(self, content_hash: str) -> int | None:
        row = self.db.execute(
            "select coalesce(duplicate_of, id) from articles where content_hash = ?"
            " order by id limit 1",
            [content_hash],
        ).fetchone()
        return None if row is None else int(row[0])

    def _mark_stored(self, urls: Sequence[str], source: str, article_id: int) -> None:
        for url in dict.fromkeys(urls):
            self._upsert_url(url, source, "stored", article_id=article_id)

    def _upsert_url(
        self,
        url: str,
        source: str,
        state: str,
        *,
        article_id: int | None = None,
        reason: str | None = None,
    ) -> None:
        now = utc_now()
        self.db.execute(
            "insert into urls (url, source, state, article_id, reason, discovered, updated,"
            " attempts) values (?, ?, ?, ?, ?, ?, ?, 0)"
            " on conflict (url) do update set updated = excluded.updated,"
            " reason = coalesce(excluded.reason, reason),"
            # a stored URL stays stored: a later skip or failure of an alias does not undo it
            " state = case when state = 'stored' then state else excluded.state end,"
            " article_id = coalesce(article_id, excluded.article_id)",
            [url, source, state, article_id, reason, now, now],
        )

    # -- feeds, sitemaps and listings ----------------------------------------------------

    def feed_state(self, url: str) -> FeedState | None:
        row = self.db.execute(
            "select url, etag, last_modified, status, checked from feed_state where url = ?",
            [url],
        ).fetchone()
        return None if row is None else FeedState(*row)

    def save_feed_state(
        self,
        url: str,
        source: str,
        *,
        status: int,
        etag: str | None = None,
        last_modified: str | None = None,
        entries: int | None = None,
    ) -> None:
        """Record a fetch of a feed; validators are kept from the last 200 when a 304 comes."""
        now = utc_now()
        with self._write():
            if status == 304:
                self.db.execute(
                    "update feed_state set status = 304, checked = ? where url = ?", [now, url]
                )
                return
            self.db.table("feed_state").upsert(
                {
                    "url": url,
                    "source": source,
                    "etag": etag,
                    "last_modified": last_modified,
                    "status": status,
                    "entries": entries,
                    "checked": now,
                    "changed": now,
                },
                pk="url",
            )

    # -- site templates --------------------------------------------------------------------

    def template(self, source: str) -> frozenset[int]:
        """Fingerprints of the blocks learned as ``source``'s template (crawler/template.py)."""
        rows = self.db.execute(
            "select fingerprint from template_blocks where source = ? and pages >= ?"
            " and stories >= ? and pages >= ? * ((select max(page) from template_pages"
            " where source = ?) - first_page + 1)",
            [source, tpl.MIN_PAGES, tpl.MIN_STORIES, tpl.MIN_SHARE, source],
        )
        return frozenset(row[0] for row in rows)

    def learn_template(self, source: str, page: PageBlocks) -> frozenset[int]:
        """Count the blocks of one more page of ``source``; return the template learned so far.

        Call it once per distinct page (a new article), never for a page seen before.
        """
        with self._write():
            number = self._next_template_page(source)
            self.db.execute(
                "insert into template_pages (source, page, signature, learned) values (?, ?, ?, ?)",
                [source, number, " ".join(map(str, page.signature)), utc_now()],
            )
            known = self._template_blocks(source, [key for key, _ in page.blocks])
            signatures = self._signatures(source, {p for row in known.values() for p in row[2]})
            for key, sample in page.blocks:
                if key in known:
                    self._seen_again(source, key, sample, number, known[key], page, signatures)
                else:
                    # No sample yet: most blocks are never seen again, and the archive
                    # would keep the text of every paragraph twice.
                    self.db.execute(
                        "insert into template_blocks (source, fingerprint, pages, stories,"
                        " story_pages, first_page, last_page) values (?, ?, 1, 1, ?, ?, ?)",
                        [source, key, str(number), number, number],
                    )
            if number % tpl.PRUNE_EVERY == 0:
                self._forget_template(source, number - tpl.FORGET_AFTER)
        return self.template(source)

    def _next_template_page(self, source: str) -> int:
        row = self.db.execute(
            "select coalesce(max(page), 0) + 1 from template_pages where source = ?", [source]
        ).fetchone()
        return int(row[0])

    def _template_blocks(
        self, source: str, keys: list[int]
    ) -> dict[int, tuple[int, int, list[int]]]:
        """pages, stories and story pages of the already known blocks among ``keys``."""
        known = {}
        for chunk in _chunks(keys, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                "select fingerprint, pages, stories, story_pages from template_blocks"
                f" where source = ? and fingerprint in ({marks})",
                [source, *chunk],
            )
            for key, pages, stories, story_pages in rows:
                known[key] = (pages, stories, [int(p) for p in (story_pages or "").split()])
        return known

    def _signatures(self, source: str, pages: set[int]) -> dict[int, list[int]]:
        found = {}
        for chunk in _chunks(sorted(pages), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                "select page, signature from template_pages"
                f" where source = ? and page in ({marks})",
                [source, *chunk],
            )
            found.update({page: [int(k) for k in signature.split()] for page, signature in rows})
        return found

    def _seen_again(
        self,
        source: str,
        key: int,
        sample: str,
        number: int,
        known: tuple[int, int, list[int]],
        page: PageBlocks,
        signatures: dict[int, list[int]],
    ) -> None:
        pages, stories, story_pages = known
        # A page whose signature is gone (forgotten) counts as another story.
        new_story = stories < tpl.MIN_STORIES and not any(
            tpl.same_story(page.signature, signatures.get(p, ()), key) for p in story_pages
        )
        if new_story:
            stories, story_pages = stories + 1, [*story_pages, number]
        self.db.execute(
            "update template_blocks set pages = ?, stories = ?, story_pages = ?, last_page = ?,"
            " sample = coalesce(sample, ?) where source = ? and fingerprint = ?",
            [pages + 1, stories, " ".join(map(str, story_pages)), number, sample, source, key],
        )

    def _forget_template(self, source: str, before: int) -> None:
        self.db.execute(
            "delete from template_blocks where source = ? and last_page < ?", [source, before]
        )
        self.db.execute(
            "delete from template_pages where source = ? and page < ?", [source, before]
        )

    # -- crawl runs ------------------------------------------------------------------------

    def start_run(self, source: str) -> int:
        with self._write():
            table = self.db.table("crawl_runs")
            table.insert({"source": source, "started": utc_now(), "status": "running"})
            return int(table.last_pk or 0)

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: dict[str, int],
        errors_by_kind: dict[str, int],
        message: str | None = None,
    ) -> None:
        row: dict[str, Any] = {key: counts.get(key, 0) for key in RUN_COUNTS}
        row.update(
            finished=utc_now(),
            status=status,
            errors=sum(errors_by_kind.values()),
            errors_by_kind=json.dumps(errors_by_kind, sort_keys=True),
            message=message,
        )
        with self._write():
            self.db.table("crawl_runs").update(run_id, row)

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """A transaction; a full disk or a locked file becomes a StorageError, rolled back."""
        try:
            with self.db.atomic():
                yield
        except sqlite3.Error as e:
            raise StorageError(
                f"cannot write to the archive {self.path}: {e}",
                hint="check free disk space and that no other program holds the file",
            ) from e


RUN_COUNTS = ("requests", "pages", "not_modified", "new_articles", "duplicates", "skipped")


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
