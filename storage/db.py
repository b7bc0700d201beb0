"""The Archive: every article once, the URLs already met, feed validators and crawl runs."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from crawler import template as tpl
from crawler.errors import StorageError
from crawler.fingerprint import Fingerprint, fingerprint
from crawler.template import PageBlocks
from crawler.words import IndexedText, index_text
from storage import dedupe
from storage.migrations import migrations
from storage.search import unindexed

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
class VerdictRow:
    """The verdict of one topic on one article, as the archive keeps it."""

    topic: str
    flag: bool
    score: float
    categories: tuple[str, ...]
    evidence: tuple[dict[str, Any], ...]  # crawler.topics.Match as plain dicts
    watchlist: tuple[str, ...]
    vocabulary: str
    classified: str = field(default_factory=utc_now)


@dataclass(frozen=True)
class StoredText:
    """What reflag reads of an article, with the flag its stored verdict gave (if any)."""

    id: int
    title: str
    text: str
    language: str
    flag: bool | None


@dataclass(frozen=True)
class StoreResult:
    """What storing a page did: a new article, a copy of one, or nothing (already there)."""

    outcome: Literal["new", "duplicate", "known"]
    article_id: int
    duplicate_of: int | None = None
    story_id: int | None = None
    kind: str | None = None  # copy | near_copy | story: how it matched ``other_id``
    other_id: int | None = None
    similarity: float | None = None


@dataclass(frozen=True)
class FeedState:
    url: str
    etag: str | None
    last_modified: str | None
    status: int | None
    checked: str | None


@dataclass(frozen=True)
class OutboxEntry:
    """One queued alert, as ``newsmon alerts pending`` lists it (without its bytes)."""

    id: int
    key: str
    subscriber: str
    kind: str
    subject: str
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    article_ids: tuple[int, ...]
    created: str
    attempts: int
    next_attempt: str | None
    last_error: str | None
    sent: str | None
    failed: str | None

    @property
    def state(self) -> Literal["sent", "failed", "queued"]:
        return "sent" if self.sent else "failed" if self.failed else "queued"


_OUTBOX_COLUMNS = ", ".join(f.name for f in fields(OutboxEntry))


# Run after every new article: the index on (source, pages) (m008) keeps it to the blocks
# seen on MIN_PAGES pages or more, not the tens of thousands seen on one.
TEMPLATE_SQL = (
    "select fingerprint from template_blocks where source = ? and pages >= ?"
    " and stories >= ? and pages >= ? * ((select max(page) from template_pages"
    " where source = ?) - first_page + 1)"
)


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
            # Autocommit: a statement outside _write() commits at once. Python's default
            # opens a transaction before any INSERT/UPDATE and keeps it open; every later
            # _write() then became a mere savepoint inside it, and all of it was lost when
            # the daemon stopped (seen after a failed write left one open).
            self.db.conn.isolation_level = None
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

    def store(
        self,
        article: ArticleRow,
        aliases: Sequence[str] = (),
        verdicts: Sequence[VerdictRow] = (),
        features: Fingerprint | None = None,
        words: IndexedText | None = None,
    ) -> StoreResult:
        """Insert ``article`` and its ``verdicts`` once, in one transaction, and mark its
        URLs as done.

        A page whose canonical URL is already archived is "known" and changes nothing
        but the URL memory; a page whose text is already archived under another URL, word
        for word or with small edits (a near copy), is stored with ``duplicate_of``
        pointing to the first, so every outlet is kept. Every article gets a ``story_id``:
        its original's, that of an earlier report of the same event, or its own id.
        ``features`` is the text's fingerprint (computed here when not given); ``words``
        is the article's word-index entry when a worker already made it.
        """
        urls = [article.url, article.canonical_url, *aliases]
        fp = features if features is not None else fingerprint(article.text)
        seen = dedupe.seen_time(article.published, article.fetched)
        with self._write():
            existing = self._article_id("canonical_url", article.canonical_url)
            if existing is not None:
                self._mark_stored(urls, article.source, existing)
                return StoreResult("known", existing)
            exact = self._original_with_hash(article.content_hash)
            placement = dedupe.place(
                self.db, article.text, article.language, seen, article.fetched, fp, exact
            )
            row = asdict(article)
            row["tags"] = json.dumps(list(article.tags), ensure_ascii=False)
            row["duplicate_of"] = placement.duplicate_of
            row["story_id"] = placement.story_id
            article_id = int(self.db.table("articles").insert(row).last_pk or 0)
            story_id = dedupe.record(
                self.db,
                article_id,
                placement,
                fp,
                language=article.language,
                seen=seen,
                fetched=article.fetched,
            )
            if placement.story_id is None:
                self.db.execute(
                    "update articles set story_id = ? where id = ?", [story_id, article_id]
                )
            # word index (m006): in the same transaction, so no article is unsearchable
            self._put_words(article_id, words or _indexed(article))
            self._put_verdicts((article_id, v) for v in verdicts)
            self._mark_stored(urls, article.source, article_id)
        return StoreResult(
            "new" if placement.duplicate_of is None else "duplicate",
            article_id,
            placement.duplicate_of,
            story_id,
            placement.kind,
            placement.other_id,
            placement.similarity,
        )

    # -- the word index (m006) -------------------------------------------------------------

    def _put_words(self, article_id: int, words: IndexedText) -> None:
        self.db.execute(
            "insert into articles_words (rowid, title, text) values (?, ?, ?)",
            [article_id, words.title, words.text],
        )
        if words.compounds:
            self.db.conn.executemany(
                "insert or ignore into word_compounds (head, token) values (?, ?)",
                sorted(words.compounds),
            )

    def backfill_words(self, batch: int = 500) -> Iterator[int]:
        """Add the articles stored before m006 to the word index, a batch per transaction;
        yields how many are left after each. Interrupted, it goes on where it stopped."""
        while True:
            with self._write():
                bounds = self.db.execute("select next_id, end_id from index_backfill").fetchone()
                if bounds is None or bounds[0] >= bounds[1]:
                    return
                rows = self.db.execute(
                    "select id, title, text, language from articles"
                    " where id >= ? and id < ? order by id limit ?",
                    [bounds[0], bounds[1], batch],
                ).fetchall()
                for article_id, title, text, language in rows:
                    self._put_words(article_id, index_text(title or "", text or "", language))
                next_id = int(rows[-1][0]) + 1 if rows else bounds[1]
                self.db.execute("update index_backfill set next_id = ?", [next_id])
            yield unindexed(self.db.conn)

    # -- verdicts ---------------------------------------------------------------------------

    def save_verdicts(self, rows: Iterable[tuple[int, VerdictRow]]) -> None:
        """Write (article id, verdict) pairs in one transaction, replacing older verdicts."""
        with self._write():
            self._put_verdicts(rows)

    def verdicts(self, article_id: int) -> dict[str, VerdictRow]:
        """The stored verdicts of one article, by topic."""
        rows = self.db.execute(
            f"select {', '.join(_VERDICT_COLUMNS)} from verdicts where article_id = ?",
            [article_id],
        ).fetchall()
        return {row[0]: _verdict_from_row(row) for row in rows}

    def texts_to_reflag(
        self,
        topic: str,
        vocabulary: str,
        *,
        since: str | None = None,
        everything: bool = False,
        batch: int = 500,
    ) -> Iterator[list[StoredText]]:
        """Articles whose ``topic`` verdict is missing or was made with another vocabulary
        (all of them with ``everything``), fetched or published at or after ``since``;
        in batches by id, each read afresh so that the caller may write in between."""
        where, params = self._reflag_filter(topic, vocabulary, since, everything)
        after = 0
        while True:
            rows = self.db.execute(
                "select a.id, a.title, a.text, a.language, v.flag from articles a"
                " left join verdicts v on v.article_id = a.id and v.topic = ?"
                f" where a.id > ? and {where} order by a.id limit ?",
                [topic, after, *params, batch],
            ).fetchall()
            if not rows:
                return
            yield [
                StoredText(
                    r[0], r[1] or "", r[2] or "", r[3] or "", None if r[4] is None else bool(r[4])
                )
                for r in rows
            ]
            after = int(rows[-1][0])

    def count_to_reflag(
        self, topic: str, vocabulary: str, *, since: str | None = None, everything: bool = False
    ) -> int:
        where, params = self._reflag_filter(topic, vocabulary, since, everything)
        row = self.db.execute(
            "select count(*) from articles a"
            " left join verdicts v on v.article_id = a.id and v.topic = ?"
            f" where {where}",
            [topic, *params],
        ).fetchone()
        return int(row[0])

    @staticmethod
    def _reflag_filter(
        topic: str, vocabulary: str, since: str | None, everything: bool
    ) -> tuple[str, list[Any]]:
        clauses, params = ["1"], []
        if not everything:
            clauses.append("(v.vocabulary is null or v.vocabulary != ?)")
            params.append(vocabulary)
        if since is not None:
            # published is the page's own time, zone included: compared as written.
            clauses.append("(a.fetched >= ? or a.published >= ?)")
            params += [since, since]
        return " and ".join(clauses), params

    def _put_verdicts(self, rows: Iterable[tuple[int, VerdictRow]]) -> None:
        self.db.conn.executemany(
            f"insert or replace into verdicts ({', '.join(('article_id', *_VERDICT_COLUMNS))})"
            f" values ({', '.join('?' * (len(_VERDICT_COLUMNS) + 1))})",
            [(article_id, *_verdict_values(v)) for article_id, v in rows],
        )

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
            TEMPLATE_SQL, [source, tpl.MIN_PAGES, tpl.MIN_STORIES, tpl.MIN_SHARE, source]
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

    # -- the alerts outbox ------------------------------------------------------------------

    def queue_message(
        self,
        *,
        key: str,
        subscriber: str,
        kind: str,
        subject: str,
        message_id: str,
        sender: str,
        recipients: Sequence[str],
        message: bytes,
        article_ids: Sequence[int] = (),
        now: str | None = None,
    ) -> int | None:
        """Queue one message and mark its articles as alerted to ``subscriber``, atomically.

        Returns the outbox id, or None, changing nothing, when ``key`` is already queued or
        one of the articles was already alerted to this subscriber.
        """
        now = now or utc_now()
        with self._write():
            if self.db.execute("select 1 from outbox where key = ?", [key]).fetchone():
                return None
            if self.alerted(subscriber, article_ids):
                return None
            row = {
                "key": key,
                "subscriber": subscriber,
                "kind": kind,
                "article_ids": json.dumps(list(article_ids)),
                "subject": subject,
                "message_id": message_id,
                "sender": sender,
                "recipients": json.dumps(list(recipients), ensure_ascii=False),
                "message": message,
                "created": now,
                "attempts": 0,
                "next_attempt": now,
            }
            outbox_id = int(self.db.table("outbox").insert(row).last_pk or 0)
            self.db.conn.executemany(
                "insert into alerted (subscriber, article_id, outbox_id, queued)"
                " values (?, ?, ?, ?)",
                [(subscriber, article_id, outbox_id, now) for article_id in article_ids],
            )
        return outbox_id

    def alerted(self, subscriber: str, article_ids: Iterable[int]) -> set[int]:
        """Those of ``article_ids`` already queued for ``subscriber`` (sent or not)."""
        found: set[int] = set()
        for chunk in _chunks(list(dict.fromkeys(article_ids)), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"select article_id from alerted where subscriber = ? and article_id in ({marks})",
                [subscriber, *chunk],
            )
            found.update(int(row[0]) for row in rows)
        return found

    def due_messages(self, now: str, limit: int = 100) -> list[tuple[OutboxEntry, bytes]]:
        """Unsent messages whose next attempt has come, oldest first, with their bytes."""
        rows = self.db.execute(
            f"select {_OUTBOX_COLUMNS}, message from outbox where sent is null"
            " and failed is null and next_attempt <= ? order by id limit ?",
            [now, limit],
        ).fetchall()
        return [(_outbox_entry(row[:-1]), bytes(row[-1])) for row in rows]

    def outbox(self, states: Sequence[str] = ("queued", "failed")) -> list[OutboxEntry]:
        """Outbox entries in the given states (queued, failed, sent), oldest first."""
        wanted = {
            "queued": "(sent is null and failed is null)",
            "failed": "(failed is not null)",
            "sent": "(sent is not null)",
        }
        where = " or ".join(wanted[state] for state in states) or "0"
        rows = self.db.execute(f"select {_OUTBOX_COLUMNS} from outbox where {where} order by id")
        return [_outbox_entry(row) for row in rows]

    def outbox_counts(self) -> dict[str, int]:
        """How many messages are queued, failed (given up) and sent."""
        row = self.db.execute(
            "select count(*) filter (where sent is null and failed is null),"
            " count(*) filter (where failed is not null),"
            " count(*) filter (where sent is not null) from outbox"
        ).fetchone()
        return {"queued": int(row[0]), "failed": int(row[1]), "sent": int(row[2])}

    def mark_sent(self, outbox_id: int, now: str | None = None, note: str | None = None) -> None:
        """The server accepted the message; ``note`` keeps e.g. which recipients it refused."""
        with self._write():
            self.db.execute(
                "update outbox set sent = ?, next_attempt = null, attempts = attempts + 1,"
                " last_error = ? where id = ?",
                [now or utc_now(), note, outbox_id],
            )

    def mark_failed(
        self, outbox_id: int, error: str, next_attempt: str | None, now: str | None = None
    ) -> None:
        """Count a failed attempt: retry at ``next_attempt``, or give up when it is None."""
        with self._write():
            self.db.execute(
                "update outbox set attempts = attempts + 1, last_error = ?, next_attempt = ?,"
                " failed = case when ? is null then ? end where id = ? and sent is null",
                [error, next_attempt, next_attempt, now or utc_now(), outbox_id],
            )

    def retry_now(self, now: str | None = None) -> int:
        """Make every queued (not given-up) message due now; return how many. At start:
        whatever was waiting out a backoff may find the server back."""
        with self._write():
            cursor = self.db.execute(
                "update outbox set next_attempt = ?"
                " where sent is null and failed is null and next_attempt > ?",
                [now or utc_now(), now or utc_now()],
            )
            return cursor.rowcount

    def retry_failed(self, now: str | None = None) -> int:
        """Put every given-up message back in the queue, due now; return how many."""
        with self._write():
            cursor = self.db.execute(
                "update outbox set failed = null, next_attempt = ?"
                " where failed is not null and sent is null",
                [now or utc_now()],
            )
            return cursor.rowcount

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


_VERDICT_COLUMNS = (
    "topic",
    "flag",
    "score",
    "categories",
    "evidence",
    "watchlist",
    "vocabulary",
    "classified",
)


def _verdict_values(v: VerdictRow) -> tuple[Any, ...]:
    return (
        v.topic,
        int(v.flag),
        v.score,
        _json(list(v.categories)),
        _json(list(v.evidence)),
        _json(list(v.watchlist)),
        v.vocabulary,
        v.classified,
    )


def _verdict_from_row(row: Sequence[Any]) -> VerdictRow:
    topic, flag, score, categories, evidence, watchlist, vocabulary, classified = row
    return VerdictRow(
        topic=topic,
        flag=bool(flag),
        score=score,
        categories=tuple(json.loads(categories or "[]")),
        evidence=tuple(json.loads(evidence or "[]")),
        watchlist=tuple(json.loads(watchlist or "[]")),
        vocabulary=vocabulary,
        classified=classified,
    )


def _indexed(article: ArticleRow) -> IndexedText:
    return index_text(article.title, article.text, article.language)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


RUN_COUNTS = ("requests", "pages", "not_modified", "new_articles", "duplicates", "skipped")


def _outbox_entry(row: Sequence[Any]) -> OutboxEntry:
    values = dict(zip((f.name for f in fields(OutboxEntry)), row, strict=True))
    values["recipients"] = tuple(json.loads(values["recipients"] or "[]"))
    values["article_ids"] = tuple(json.loads(values["article_ids"] or "[]"))
    return OutboxEntry(**values)


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
