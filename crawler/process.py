"""From a fetched page to an archive row: extract, detect language, canonicalise, hash, flag.

Plain functions over plain data, run in worker processes by the crawl (the CPU-heavy
part of newsmon) and directly by ``newsmon extract``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.boilerplate import Dropped, SiteRules
from crawler.extract import Extracted, Site, Skipped, extract_article
from crawler.fingerprint import Fingerprint, fingerprint
from crawler.flags import Flagger
from crawler.language import detect_language
from crawler.template import PageBlocks
from crawler.urls import canonicalize, on_site
from crawler.words import IndexedText, index_text
from storage.db import ArticleRow, VerdictRow


@dataclass(frozen=True)
class Page:
    """A fetched page as the crawler hands it over."""

    url: str  # after redirects
    requested_url: str
    source: str
    language: str  # the edition's declared language: a prior
    domains: tuple[str, ...]
    body: bytes
    content_type: str | None = None
    rules: SiteRules = field(default_factory=SiteRules)  # the source's configured rules
    template: frozenset[int] = frozenset()  # the source's learned template, so far


@dataclass(frozen=True)
class Processed:
    page_url: str
    requested_url: str
    source: str
    result: ArticleRow | Skipped
    verdicts: tuple[VerdictRow, ...] = ()  # one per topic of the flagger; none for a Skipped
    # near-copy keys and story features: the MinHash costs ~0.5 ms, spent here, not in
    # the process that downloads and stores
    features: Fingerprint | None = None
    blocks: PageBlocks | None = None  # for learning the source's template; None if skipped
    words: IndexedText | None = None  # the word-index entry, made here to spare the store


def process_page(
    page: Page, flagger: Flagger | None = None, explain: list[Dropped] | None = None
) -> Processed:
    """Extract one page and classify the article with ``flagger``'s topics and watchlist;
    never raises on bad input (it becomes a Skipped).

    ``explain``, if given, receives what was left out of the text as boilerplate.
    """
    site = Site(page.rules, page.template)
    extracted = extract_article(page.body, page.url, page.content_type, site=site, explain=explain)
    if isinstance(extracted, Skipped):
        return Processed(page.url, page.requested_url, page.source, extracted)
    row = to_row(extracted, page)
    # Duplicates (same text under another URL) are classified too, not given the first
    # copy's verdict: this runs before the archive knows it is a copy, and the title,
    # which counts double, is not part of the content hash and may differ.
    verdicts = flagger.rows(row.title, row.text, row.language) if flagger else ()
    features = fingerprint(row.text)
    words = index_text(row.title, row.text, row.language)
    return Processed(
        page.url,
        page.requested_url,
        page.source,
        row,
        verdicts,
        features,
        extracted.blocks,
        words,
    )


def to_row(extracted: Extracted, page: Page) -> ArticleRow:
    language, score = detect_language(f"{extracted.title}\n{extracted.text}", prior=page.language)
    return ArticleRow(
        url=canonicalize(page.url),
        canonical_url=canonical_url(extracted.canonical_url, page),
        source=page.source,
        title=extracted.title,
        text=extracted.text,
        content_hash=content_hash(extracted.text),
        language=language,
        language_score=round(score, 4),
        author=extracted.author,
        published=extracted.published,
        description=extracted.description,
        tags=extracted.tags,
        sitename=extracted.sitename,
        encoding=extracted.encoding,
    )


def canonical_url(declared: str | None, page: Page) -> str:
    """The page's rel=canonical when it is trustworthy, else the URL it was fetched from.

    Ignored when it leaves the source's sites or points at a home page: some sites
    declare their front page as canonical on every article, which would make every
    article look like a copy of the first.
    """
    if declared and on_site(declared, page.domains) and urlsplit(declared).path not in ("", "/"):
        return canonicalize(declared)
    return canonicalize(page.url)


_WORDS = re.compile(r"\w+")


def content_hash(text: str) -> str:
    """Hash of the words of a text, blind to case, punctuation and white space."""
    words = " ".join(_WORDS.findall(text.lower()))
    return hashlib.sha1(words.encode("utf-8")).hexdigest()
