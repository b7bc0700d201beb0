"""Schema of the archive, one migration per change; applied when the archive is opened."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("newsmon")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("articles").create(
        {
            "id": int,
            "url": str,  # where it was fetched from, after redirects
            "canonical_url": str,  # the page's rel=canonical, else url; both canonicalised
            "source": str,
            "title": str,
            "text": str,
            "author": str,
            "published": str,  # ISO 8601 as the page gives it, zone kept
            "description": str,
            "tags": str,  # JSON list
            "sitename": str,
            "fetched": str,  # ISO 8601 UTC
            "language": str,
            "language_score": float,
            "content_hash": str,
            "duplicate_of": int,  # first article with the same text, None for originals
            "encoding": str,
        },
        pk="id",
        not_null={"url", "canonical_url", "source", "text", "fetched", "content_hash"},
        foreign_keys=[("duplicate_of", "articles", "id")],
    )
    db.table("articles").create_index(["canonical_url"], unique=True)
    db.table("articles").create_index(["content_hash"])
    db.table("articles").create_index(["source", "published"])
    db.table("articles").create_index(["published"])
    db.table("articles").create_index(["duplicate_of"])
    # remove_diacritics 0: with the default, й would match и and ї would match і.
    db.table("articles").enable_fts(
        ["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 0"
    )
    # Every URL newsmon has met, so that none is fetched twice: the crawl frontier
    # ("pending") and the memory of what each URL turned out to be.
    db.table("urls").create(
        {
            "url": str,
            "source": str,
            "state": str,  # pending | stored | skipped | failed
            "article_id": int,
            "reason": str,
            "attempts": int,
            "listed": str,  # publication time the feed or sitemap gave, for ordering
            "discovered": str,
            "updated": str,
        },
        pk="url",
        not_null={"url", "source", "state"},
        defaults={"attempts": 0},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("urls").create_index(["source", "state", "listed"])
    db.table("urls").create_index(["article_id"])
    # HTTP validators per feed, sitemap and listing, for conditional requests.
    db.table("feed_state").create(
        {
            "url": str,
            "source": str,
            "etag": str,
            "last_modified": str,
            "status": int,
            "entries": int,
            "checked": str,
            "changed": str,
        },
        pk="url",
    )
    db.table("crawl_runs").create(
        {
            "id": int,
            "source": str,
            "started": str,
            "finished": str,
            "status": str,  # running | ok | partial | failed | interrupted
            "requests": int,
            "pages": int,
            "not_modified": int,
            "new_articles": int,
            "duplicates": int,
            "skipped": int,
            "errors": int,
            "errors_by_kind": str,  # JSON object: kind -> count
            "message": str,
        },
        pk="id",
        not_null={"source", "started", "status"},
    )
    db.table("crawl_runs").create_index(["source", "started"])


@migrations()
def m003_templates(db: Database) -> None:
    # What newsmon learns of each source's template (crawler/template.py): the pages it
    # learned from, numbered per source, with their story signatures ...
    db.table("template_pages").create(
        {
            "source": str,
            "page": int,  # 1, 2, 3, … per source, in the order the pages were stored
            "signature": str,  # the page's story: fingerprints separated by spaces
            "learned": str,  # ISO 8601 UTC
        },
        pk=("source", "page"),
        not_null={"source", "page", "signature", "learned"},
    )
    # ... and every block (line of extracted text) seen on them, with where it was seen.
    db.table("template_blocks").create(
        {
            "source": str,
            "fingerprint": int,  # signed 64-bit hash of the block's words
            "sample": str,  # its first characters, for people; kept once seen twice
            "pages": int,  # distinct pages it was seen on
            "stories": int,  # distinct stories among them (counted up to MIN_STORIES)
            "story_pages": str,  # the first page of each of those stories, space-separated
            "first_page": int,
            "last_page": int,
        },
        pk=("source", "fingerprint"),
        not_null={"source", "fingerprint", "pages", "stories", "first_page", "last_page"},
    )
    db.table("template_blocks").create_index(["source", "last_page"])
