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
def m002_verdicts(db: Database) -> None:
    # One verdict per article and topic, written in the transaction that stores the
    # article (so none exists without it) and rewritten by `newsmon reflag`.
    db.table("verdicts").create(
        {
            "article_id": int,
            "topic": str,
            "flag": int,  # 1 = about the topic (or names a watchlist person), else 0
            "score": float,  # 0..1; 0.5 is the flagging line
            "categories": str,  # JSON list, most evidence first
            "evidence": str,  # JSON list of matches: term, category, sentence, start, end,
            #                   field (title | text), entry (vocabulary entry or listed name)
            "watchlist": str,  # JSON list of the watchlist names found
            "vocabulary": str,  # hash of vocabulary + watchlist + classifier it came from
            "classified": str,  # ISO 8601 UTC; articles.fetched stays the first sighting
        },
        pk=("article_id", "topic"),
        not_null={"article_id", "topic", "flag", "score", "vocabulary", "classified"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    # "Flagged articles of a topic, newest first" is an index range scan, not a table scan.
    db.table("verdicts").create_index(["topic", "flag", "article_id"])
    # "... fetched in the last 7 days": article ids grow with fetched, so the window is
    # found by this index and bounds the range above.
    db.table("articles").create_index(["fetched"], if_not_exists=True)


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


@migrations()
def m004_outbox(db: Database) -> None:
    # Every alert goes through here before it reaches the mail server: a message is
    # queued (with the marks below) in one transaction, and marked sent only after the
    # server accepted it, so a crash or an outage delays an alert but never loses it.
    db.table("outbox").create(
        {
            "id": int,
            "key": str,  # what the message covers, e.g. "families:digest:2026-11-20"
            "subscriber": str,
            "kind": str,  # report | digest | health
            "article_ids": str,  # JSON list
            "subject": str,
            "message_id": str,  # stable: a re-sent message carries the same one
            "sender": str,  # envelope sender
            "recipients": str,  # JSON list of envelope recipients
            "message": bytes,  # the whole message, sent byte for byte on every attempt
            "created": str,
            "attempts": int,
            "next_attempt": str,  # ISO 8601 UTC; NULL once sent or given up
            "last_error": str,
            "sent": str,  # when the server accepted it; NULL until then
            "failed": str,  # when a permanent (5xx) refusal made newsmon give up
        },
        pk="id",
        not_null={"key", "subscriber", "kind", "message", "message_id", "created"},
        defaults={"attempts": 0},
    )
    db.table("outbox").create_index(["key"], unique=True)
    db.table("outbox").create_index(["sent", "failed", "next_attempt"])
    # Which article each subscriber has been alerted to (queued for), so that every
    # report reaches every subscriber once, ever: the primary key refuses a second mark.
    db.table("alerted").create(
        {"subscriber": str, "article_id": int, "outbox_id": int, "queued": str},
        pk=("subscriber", "article_id"),
        not_null={"outbox_id", "queued"},
        foreign_keys=[("article_id", "articles", "id"), ("outbox_id", "outbox", "id")],
    )
    db.table("alerted").create_index(["outbox_id"])


@migrations()
def m005_source_health(db: Database) -> None:
    # The health each source was last judged in, so that a notice goes out once per
    # change (failing, blocked, silent, back to ok), not once per crawl. A change waits
    # here (notified NULL) until a notice carrying it is queued: none is lost in a crash,
    # and the changes of one minute (the network down: every source) make one message.
    db.table("source_health").create(
        {
            "source": str,
            "state": str,  # ok | failing | blocked | silent
            "detail": str,
            "previous": str,  # the state before the last change
            "since": str,
            "checked": str,
            "notified": str,  # when a notice of the last change was queued
        },
        pk="source",
        not_null={"source", "state"},
    )


@migrations()
def m006_word_index(db: Database) -> None:
    # The word index of `newsmon query` (crawler/words.py): one token per word, the
    # word's dictionary forms, so that a search finds every inflected form. Contentless:
    # the tokens are derived from articles.title and .text and never shown, and storing
    # them again would double the index. Rows are written with each article (store) and,
    # for articles older than this migration, by `newsmon migrate` (see index_backfill).
    db.execute(
        "create virtual table articles_words using fts5(title, text, content='',"
        " tokenize=\"unicode61 remove_diacritics 0 tokenchars '|'\")"
    )
    # Compounds filed under their last part: полонений -> військовополонений.
    db.execute(
        "create table word_compounds (head text not null, token text not null,"
        " primary key (head, token)) without rowid"
    )
    # Articles with next_id <= id < end_id are not in the word index yet.
    db.execute("create table index_backfill (next_id integer not null, end_id integer not null)")
    db.execute(
        "insert into index_backfill select coalesce(min(id), 0), coalesce(max(id) + 1, 0)"
        " from articles"
    )
    # For the web page (newsmon serve): its facets and flagged pages. An article's
    # columns after its text (language, duplicate_of, …) are read through the text's
    # overflow pages; these small indexes answer without them (a language facet over a
    # million articles: 0.1 s instead of timing out).
    db.execute("create index idx_articles_language on articles(language)")
    db.execute("create index idx_verdicts_flag on verdicts(flag, article_id)")
    # The flagged originals with their verdicts; copies left out by their ids.
    db.execute(
        "create view flagged_reports as select a.id, a.published, a.source, a.language,"
        " a.title, a.url, v.topic, v.score, v.categories, v.watchlist, a.fetched"
        " from verdicts v join articles a on a.id = v.article_id where v.flag = 1"
        " and a.id not in (select id from articles where duplicate_of is not null)"
    )


@migrations()
def m007_stories(db: Database) -> None:
    # The full-text index is rewritten only when the title or the text change, not when
    # an article is placed in a story (which would re-tokenise its whole text).
    db.execute("drop trigger if exists articles_au")
    db.execute(
        "create trigger articles_au after update of title, text on articles begin"
        " insert into articles_fts (articles_fts, rowid, title, text)"
        " values ('delete', old.rowid, old.title, old.text);"
        " insert into articles_fts (rowid, title, text) values (new.rowid, new.title, new.text);"
        " end"
    )
    # Reports of one event share a story_id: the id of the story's first article.
    db.table("articles").add_column("story_id", int)
    db.execute("update articles set story_id = coalesce(duplicate_of, id)")
    db.table("articles").create_index(["story_id", "id"])
    # Why an article is a copy or joined a story: the article it matched, how (kind:
    # copy = same words, near_copy = shingle Jaccard >= NEAR_COPY, story = same event),
    # the similarity and, for stories, the numbers, dates and names they share.
    db.table("matches").create(
        {"article_id": int, "kind": str, "other_id": int, "similarity": float, "reason": str},
        pk="article_id",
        not_null={"kind", "other_id"},
        foreign_keys=[("article_id", "articles", "id"), ("other_id", "articles", "id")],
    )
    db.table("matches").create_index(["other_id"])
    db.execute(
        "insert into matches (article_id, kind, other_id, similarity, reason)"
        " select id, 'copy', duplicate_of, 1.0, 'same text' from articles"
        " where duplicate_of is not null"
    )
    # The near-copy index: one row per LSH band of each original's MinHash
    # (crawler/fingerprint.py). Kept for all time; a lookup is BANDS index probes.
    db.execute(
        "create table near_copy_bands (key integer not null, article_id integer not null,"
        " primary key (key, article_id)) without rowid"
    )
    # The story index, for the articles of the last STORY_WINDOW only (older rows are
    # pruned as new articles come): its size follows the news rate, not the archive.
    db.execute(
        "create table story_features (article_id integer primary key references articles(id),"
        " story_id integer not null, language text, seen text, anchors text, stems blob)"
    )
    db.execute(
        "create table story_anchors (anchor text not null, article_id integer not null,"
        " primary key (anchor, article_id)) without rowid"
    )
    db.execute("create index story_anchors_article on story_anchors (article_id)")
    # Anchors in too many of the window's articles to tell stories apart, recounted every
    # few hundred articles (storage/dedupe.py).
    db.execute(
        "create table story_common (anchor text primary key, articles integer not null)"
        " without rowid"
    )


@migrations()
def m008_template_index(db: Database) -> None:
    # Archive.template() runs after every new article: without this index it read all of
    # a source's blocks (up to FORGET_AFTER pages' worth, tens of thousands of rows, most
    # seen on one page); with it, only those seen on MIN_PAGES pages or more.
    db.table("template_blocks").create_index(["source", "pages"])
